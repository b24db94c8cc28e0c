"""Agreement of the gold annotators: the human reference the models are read against (issue 3, "agreement
of the three gold annotators (kappa)").

Fleiss' kappa (Fleiss 1971) for each single-label task and for every causes label as its own chosen / not
chosen decision, over the posts rated by the full panel (a post with fewer annotators than the most common
panel size is counted and left out: Fleiss' formula needs the same number of raters per post). Also each
annotator's accuracy against the gold label, and whether the file's gold labels are the annotators' majority
(causes: chosen by at least two), which checks the file against MANIFEST.md's rule.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..core.codebook import codebook


def fleiss_kappa(counts: np.ndarray) -> float:
    """``counts[i, j]``: raters who put subject i in category j; every row sums to the same n >= 2."""
    counts = np.asarray(counts, dtype=float)
    n = counts.sum(1)
    if len(counts) == 0 or not np.all(n == n[0]) or n[0] < 2:
        raise ValueError("Fleiss' kappa needs >= 1 subject and the same number (>= 2) of raters per subject")
    r = n[0]
    p_i = ((counts**2).sum(1) - r) / (r * (r - 1))
    p_j = counts.sum(0) / counts.sum()
    p_bar, p_e = p_i.mean(), (p_j**2).sum()
    return float("nan") if p_e == 1 else float((p_bar - p_e) / (1 - p_e))


def _counts(values: list[list[str]], labels: tuple[str, ...]) -> np.ndarray:
    return np.array([[row.count(lab) for lab in labels] for row in values])


def agreement(records: list[dict]) -> dict:
    """Kappa per task / cause label, annotator accuracy against gold, majority consistency."""
    cb = codebook()
    sizes = Counter(len(r["annotators"]) for r in records)
    panel = max(sizes, key=lambda s: (sizes[s], s)) if sizes else 0
    rated = [r for r in records if len(r["annotators"]) == panel]
    out: dict = {"posts": len(records), "panel_size": panel, "posts_rated_by_panel": len(rated),
                 "posts_left_out": {str(k): v for k, v in sorted(sizes.items()) if k != panel}}
    if panel < 2:
        out["note"] = "fewer than two annotators per post: no agreement to measure"
        return out
    kappa: dict = {}
    for key in ("help_seeking", "condition"):
        kappa[key] = _json(fleiss_kappa(_counts([[a[key] for a in r["annotators"]] for r in rated],
                                                cb.task(key).labels)))
    kappa["causes"] = {lab: _json(fleiss_kappa(_counts([["yes" if lab in a["causes"] else "no"
                                                          for a in r["annotators"]] for r in rated], ("no", "yes"))))
                       for lab in cb.task("causes").labels}
    out["fleiss_kappa"] = kappa  # None: every rating fell in one category (kappa undefined)
    out["annotator_accuracy_vs_gold"] = {
        key: [float(np.mean([r["annotators"][i][key] == r["labels"][key] for r in rated])) for i in range(panel)]
        for key in ("help_seeking", "condition")}
    out["majority_matches_gold"] = {
        key: float(np.mean([_majority([a[key] for a in r["annotators"]]) == r["labels"][key] for r in rated]))
        for key in ("help_seeking", "condition")}
    out["majority_matches_gold"]["causes"] = float(np.mean([
        {lab for lab in cb.task("causes").labels if sum(lab in a["causes"] for a in r["annotators"]) >= 2}
        == {lab for lab, v in r["labels"]["causes"].items() if v} for r in rated]))
    return out


def _json(x: float) -> float | None:
    return None if np.isnan(x) else x


def _majority(values: list[str]) -> str | None:
    (top, n), *rest = Counter(values).most_common()
    return None if rest and rest[0][1] == n else top

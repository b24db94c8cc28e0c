"""The report's dev-split slices section, read from reports/slices.json (slices.py): the issue's metrics by
source subreddit/dataset and by post length, and what limits their reading."""

from __future__ import annotations

from ..core.codebook import codebook
from .cells import interval as _ci, number as _f

SLICE_NAMES = {"<=64": "≤ 64", "65-126": "65–126", "127-254": "127–254", ">=255": "≥ 255"}


def _headline_cell(row: dict, metric: str) -> str:
    if not row.get("n"):
        return "–"
    c = row.get("headline_ci", {})
    if row.get(metric) is None:  # one-class slice: say what is left to read
        left = (f"accuracy {_f(row['accuracy'])}" if "accuracy" in row
                else f"FP rate {_f(row.get('false_positive_rate'))}")
        return f"– ({c.get('note')}; {left})"
    recall = "†" if row.get("known_negatives") == 0 else ""
    return f"{_f(row[metric])}{recall}{' (n too small)' if 'note' in c else _ci(c)}"


def _slice_table(rows: dict, first: str, names: dict | None = None) -> list[str]:
    out = [f"| {first} | posts | help_seeking n (yes) | F1 of yes [95 % CI] | AUROC | condition n | accuracy "
           "[95 % CI] | macro-F1 | causes n | micro-F1 [95 % CI] |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        hs, co, ca = r["help_seeking"], r["condition"], r["causes"]
        hs_n = f"{hs['n']} ({hs['positives']})" if hs["n"] else "0"
        out.append(f"| {(names or {}).get(name, name)} | {r['posts']} | {hs_n} | {_headline_cell(hs, 'f1')} | "
                   f"{_f(hs.get('auroc'))} | {co['n']} | {_headline_cell(co, 'accuracy')} | {_f(co.get('macro_f1'))} | "
                   f"{ca['n']} | {_headline_cell(ca, 'micro_f1')} |")
    return out


def _extremes(sl: dict) -> str:
    """Lowest and highest slice headline per task, among slices with an interval (n ≥ min_n_for_ci)."""
    parts = []
    for task, metric in sl["slice_headline"].items():
        vals = [(r[task][metric], f"{'†' if r[task].get('known_negatives') == 0 else ''} "
                 f"({name if dim == 'by_source' else SLICE_NAMES[name] + ' tokens'}, n {r[task]['n']})")
                for dim in ("by_source", "by_length") for name, r in sl[dim].items()
                if "value" in r[task].get("headline_ci", {})]
        if vals:
            lo, hi = min(vals), max(vals)
            parts.append(f"{task} {metric} from {lo[0]:.3f}{lo[1]} to {hi[0]:.3f}{hi[1]}")
    return "; ".join(parts)


def _medians(sources: dict) -> str:
    m = sorted((r["median_tokens"], name) for name, r in sources.items())

    def fmt(part: list) -> str:
        return ", ".join(f"{name} {v:.0f}" for v, name in part)

    return fmt(m) if len(m) <= 6 else fmt(m[:3]) + " … " + fmt(m[-3:])


def _has_primary_labels(row: dict) -> bool:
    return any(row[t].get("n") for t in codebook().primary)


def slices_section(sl: dict) -> list[str]:
    n = sl["min_n_for_ci"]
    sources = {k: r for k, r in sl["by_source"].items() if _has_primary_labels(r)}
    unlabelled = len(sl["by_source"]) - len(sources)
    out = ["## Slices (robustness)", "",
           "`reports/slices.json`, computed by scripts/mhelp_pipeline/evaluate/slices.py from the same predictions as "
           "the floors table (whole posts as the engine decides them: every window, shipped int8 ONNX, aggregation, "
           "temperatures and thresholds) on the dev split (silver labels for the primary heads). Source: the "
           "subreddit for rows of the reddit-subreddits collection (`r/…`), otherwise the source the corpus records. "
           "Length: content tokens of the whole post; ≤ 126 tokens is one engine window, "
           "127 and more are several. Per slice, the issue's metrics on the posts labelled for the task; the "
           f"headline (F1 of 'yes', condition accuracy, causes micro-F1) carries a 95 % bootstrap interval over the "
           f"slice's posts ({sl['bootstrap']['resamples']} resamples) when n ≥ {n}, else 'n too small'. Causes use "
           "micro-F1 here because a small slice rarely holds every cause label. AUROC needs both classes in the "
           "slice." + (f" {unlabelled} source{'s' if unlabelled > 1 else ''} with no primary label on the dev split "
                       "(auxiliary datasets only) left out of the source table." if unlabelled else ""), "",
           f"Range over slices with n ≥ {n}: {_extremes(sl)}.", "",
           "**No demographic fairness slice is possible**: the data carry no demographic attributes. Source and "
           "length are robustness slices.", "",
           "### By source", ""]
    out += _slice_table(sources, "source")
    out += ["", "### By post length (content tokens)", ""]
    out += _slice_table(sl["by_length"], "tokens", SLICE_NAMES)
    wins = ", ".join(f"{SLICE_NAMES[k]}: {r['engine_windows'][0]}–{r['engine_windows'][1]}"
                     for k, r in sl["by_length"].items())
    positive_only = any(r["causes"].get("known_negatives") == 0
                        for dim in ("by_source", "by_length") for r in sl[dim].values())
    out += ["", f"Engine windows per post in each length bucket (max_length 128, stride 32): {wins}.", "",
            "Reading, and what limits it:",
            "- The primary heads' dev labels are silver: codebook labels from one annotator per post, so each "
            "slice's number includes that annotator's disagreement with the codebook (the gold set, labelled by "
            "three, measures the model without it). A gap between two sources mixes model error with different "
            "class mixes and post styles.",
            "- Where a slice holds one class only, F1 or AUROC is undefined and the table shows accuracy "
            "(help_seeking) or the false-positive rate over known entries (causes) instead."]
    if positive_only:
        out.append("- Causes values marked † come from slices with no known negative (post, label) entry: no false "
                   "positive can be counted there, so micro-F1 is a recall.")
    out += [f"- Length and source are confounded (median content tokens: {_medians(sources)}), so neither slicing "
            "isolates one factor.",
            "- Posts over 126 tokens are scored on every window, as deployed (per-head aggregation in model.json), "
            "but training saw only first windows.",
            "- Thresholds and temperatures were fitted on this dev split as a whole; per-slice intervals are not "
            f"corrected for the {len(sources) + len(sl['by_length'])} slices compared.", ""]
    return out

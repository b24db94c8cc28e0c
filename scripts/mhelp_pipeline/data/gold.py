"""The project's gold dev set (``<shared>/data/gold/dev.jsonl``), used when present.

It is optional: on machines without it the pipeline calibrates and reports on the weak dev split only,
and says so in model.json. When present, gold texts are removed from the training corpus (dedup), the
gold metrics are reported next to the weak ones, and gold_cv.py cross-validates over it.

A record (data/MANIFEST.md, "Gold set"): ``text``, ``help_seeking``, ``condition``, ``causes`` (a list; the
gold label is the majority, causes chosen by at least two), ``source`` and ``annotators``: every
annotator's own labels, as a list of objects or an object keyed by annotator id, each with the same three
keys. A record that breaks this schema stops the load with its line number and what to fix: a silently
skipped gold post would change every gold number.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..core.codebook import Codebook, codebook
from ..core.paths import GOLD_DEV
from .normalise import normalise


class GoldFormatError(ValueError):
    pass


def _check_labels(cb: Codebook, obj: dict, where: str) -> dict:
    """The three primary labels of one record or annotator, checked against the codebook."""
    out = {}
    for key in ("help_seeking", "condition"):
        labels = cb.task(key).labels
        if obj.get(key) not in labels:
            raise GoldFormatError(f"{where}: {key} is {obj.get(key)!r}; expected one of {list(labels)}")
        out[key] = obj[key]
    causes = obj.get("causes")
    if causes is None:
        causes = []
    if not isinstance(causes, list) or any(c not in cb.task("causes").labels for c in causes):
        raise GoldFormatError(f"{where}: causes is {causes!r}; expected a list drawn from "
                              f"{list(cb.task('causes').labels)} ([] for no stated cause)")
    out["causes"] = sorted(set(causes))
    return out


def _annotators(cb: Codebook, raw, where: str) -> list[dict]:
    if raw is None:
        return []
    items = list(raw.values()) if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not all(isinstance(a, dict) for a in items):
        raise GoldFormatError(f"{where}: annotators must be a list of label objects or an object keyed by "
                              f"annotator id, got {type(raw).__name__}")
    return [_check_labels(cb, a, f"{where}, annotator {i + 1}") for i, a in enumerate(items)]


def parse_gold(lines: list[str]) -> list[dict]:
    """Records in pipeline form: normalised ``text``, ``labels`` (causes as {label: 0/1} over the codebook,
    every label known), ``source``, ``annotators`` (each: help_seeking, condition, causes as a sorted list)."""
    cb = codebook()
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"gold line {n}"
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            raise GoldFormatError(f"{where}: not JSON ({e.msg}); one JSON object per line") from None
        if not isinstance(r.get("text"), str) or not r["text"].strip():
            raise GoldFormatError(f"{where}: text is missing or empty")
        gold = _check_labels(cb, r, where)
        labels = {"help_seeking": gold["help_seeking"], "condition": gold["condition"],
                  "causes": {c: int(c in gold["causes"]) for c in cb.task("causes").labels}}
        out.append({"text": normalise(r["text"]), "labels": labels, "source": r.get("source") or "gold",
                    "annotators": _annotators(cb, r.get("annotators"), where)})
    return out


def load_gold(path: Path = GOLD_DEV) -> list[dict] | None:
    if not path.exists():
        return None
    return parse_gold(path.read_text(encoding="utf-8").splitlines())

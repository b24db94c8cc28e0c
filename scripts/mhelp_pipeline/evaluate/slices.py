"""Metrics of the shipped model by slice of the dev split (issue 3: "slices (fairness and robustness)"); gold_cv.py
slices its gold decisions the same way.

Two slicings, each post in exactly one slice per slicing:
- source: the subreddit for rows of the reddit-subreddits collection (source ``reddit-<sub>`` -> ``r/<sub>``),
  otherwise the dataset name. The corpus carries no demographic attributes, so source (community of origin)
  and length are the only slicings the data allow; they are robustness slices, not demographic fairness.
- post length in content tokens (no [CLS]/[SEP]), cut where the engine's windowing changes: <= 126 tokens
  is one window (split at 64 to separate very short posts), 127+ tokens are several windows.

Predictions are the ones shipped.py already has: whole posts exactly as the engine decides them
(``inference.engine_predictions``: every window, the shipped aggregation, temperatures and thresholds);
nothing here runs the model. The length slices therefore measure the deployed multi-window decisions.

Per slice and primary task: the issue's metrics on the slice's labelled posts (metrics.issue_metrics, the
same definition as everywhere else) and a 95 % bootstrap interval over the slice's posts on the slice
headline metric, only when the slice has >= min_n_for_ci labelled posts. The slice headline is the codebook's
STABLE_HEADLINE: causes micro-F1, not the macro-F1 of the whole-dev tables, since inside one source usually
only one or two cause labels are known, so a macro average over the labels present would be an average of
one or two noisy F1s.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..core.codebook import IGNORE, STABLE_HEADLINE, Task, codebook
from ..model.batching import targets
from ..runtime.inference import content_windows
from .bootstrap import BootstrapConfig, bootstrap_ci, resampled_metric
from .metrics import issue_metrics

# (key, lowest, highest inclusive or None); keys are ASCII so slices.json stays plain
LENGTH_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("<=64", 0, 64), ("65-126", 65, 126), ("127-254", 127, 254), (">=255", 255, None))
REDDIT_PREFIX = "reddit-"  # sources.py names reddit-subreddits rows reddit-<subreddit>
# metric values kept per task in slices.json (beyond n and the headline interval)
KEEP = {"help_seeking": ("accuracy", "precision", "recall", "f1", "auroc"), "condition": ("accuracy", "macro_f1"),
        "causes": ("micro_f1", "macro_f1")}


@dataclass(frozen=True)
class SliceConfig:
    min_n_for_ci: int = 30
    bootstrap: BootstrapConfig = field(default_factory=BootstrapConfig)


@dataclass(frozen=True)
class TaskData:
    """One task's per-post decisions and targets, dev order. Multi-label: [n, labels] arrays + mask."""

    task: Task
    pred: np.ndarray
    y: np.ndarray
    mask: np.ndarray | None = None
    score: np.ndarray | None = None  # p(labels[1]) for binary heads (AUROC)

    def labelled(self) -> np.ndarray:
        return self.y != IGNORE if self.mask is None else (self.mask > 0).any(1)


def source_slice(source: str) -> str:
    return "r/" + source[len(REDDIT_PREFIX):] if source.startswith(REDDIT_PREFIX) else source


def length_bucket(n_tokens: int) -> str:
    for key, lo, hi in LENGTH_BUCKETS:
        if n_tokens >= lo and (hi is None or n_tokens <= hi):
            return key
    raise ValueError(f"negative token count {n_tokens}")


def _clean(x):
    """nan -> None: slices.json must stay valid JSON (AUROC of a one-class slice is nan)."""
    return None if isinstance(x, float) and math.isnan(x) else x


def task_metrics(td: TaskData, rows: np.ndarray, cfg: SliceConfig) -> dict:
    """The task's metrics on `rows` (indices into dev, labelled rows only) and the headline interval."""
    t = td.task
    if len(rows) == 0:
        return {"n": 0}
    m = issue_metrics(t, td.pred[rows], td.y[rows], None if td.mask is None else td.mask[rows],
                      None if td.score is None else td.score[rows])
    out = {"n": m["n"], **{k: _clean(m.get(k)) for k in KEEP[t.key]}}
    head = STABLE_HEADLINE[t.key]
    if t.key == "help_seeking":
        out["positives"] = int((td.y[rows] == 1).sum())
    elif t.kind == "multi_label":
        known = td.mask[rows] > 0
        out["positives"] = int((known & (td.y[rows] > 0)).sum())  # known positive (post, label) entries
        # 0 for "positive-only" labels: no false positive can be counted, so micro-F1 is a recall
        out["known_negatives"] = int((known & (td.y[rows] == 0)).sum())
        out["false_positive_rate"] = (float((known & (td.y[rows] == 0) & (td.pred[rows] > 0)).sum())
                                      / out["known_negatives"] if out["known_negatives"] else None)
    if t.key != "help_seeking":
        out["labels_present"] = len(m.get("f1_per_label", {}))
    if out.get("positives") == 0:  # F1 is 0 or 0/0 without a single positive label: not a measurement
        out[head] = None
        out["headline_ci"] = {"note": "no positive labels"}
        return out
    if m["n"] < cfg.min_n_for_ci:
        out["headline_ci"] = {"note": "n too small"}
        return out
    metric = resampled_metric(t, head, td.pred, td.y, td.mask, td.score, rows)  # the headline only: never AUROC
    out["headline_ci"] = bootstrap_ci(metric, len(rows), cfg.bootstrap)
    return out


def metrics_by_slice(keys: list[str], tasks: list[TaskData], cfg: SliceConfig = SliceConfig(),
                     order: Callable[[list[str]], list[str]] | None = None) -> dict[str, dict]:
    """keys[i] = slice of dev post i. Returns {slice: {"posts": count, task: task_metrics}} in `order`
    (default: largest slice first)."""
    keys_arr = np.asarray(keys)
    counts = Counter(keys)
    names = order(list(counts)) if order else [k for k, _ in counts.most_common()]
    out: dict[str, dict] = {}
    for name in names:
        in_slice = keys_arr == name
        out[name] = {"posts": int(counts.get(name, 0))}
        for td in tasks:
            out[name][td.task.key] = task_metrics(td, np.flatnonzero(in_slice & td.labelled()), cfg)
    return out


def windows_for(n_tokens: int, max_length: int, stride: int) -> int:
    return len(content_windows(list(range(n_tokens)), max_length, stride))


def slice_report(data: tuple, preds: dict, cfg: SliceConfig = SliceConfig()) -> dict:
    """data: reliability.shipped_dev_logits(...) as shipped.py holds it (logits, Encoded, model.json, groups);
    preds: inference.engine_predictions(...) on the same dev records, {task: (pred, score)}."""
    cb = codebook()
    _, enc, meta, _ = data
    if len(enc.n_tokens) != len(enc.ids):
        raise ValueError("Encoded without n_tokens: encode it with batching.encode")
    tasks = []
    for t in (cb.task(k) for k in cb.primary):
        pred, score = preds[t.key]
        y, m = targets(t, enc)
        tasks.append(TaskData(t, pred, y, m, score))
    by_source = [source_slice(s) for s in enc.sources]
    by_length = [length_bucket(n) for n in enc.n_tokens]
    bucket_keys = [k for k, _, _ in LENGTH_BUCKETS]
    res = {
        "dev": "dev split (primary heads: silver labels, one annotator per post; auxiliary heads: their datasets' "
               "labels); whole posts as the engine decides them (every window, shipped int8 ONNX, aggregation, "
               "temperatures and thresholds, fitted on this same split)",
        "slice_headline": STABLE_HEADLINE, "min_n_for_ci": cfg.min_n_for_ci,
        "bootstrap": {"resamples": cfg.bootstrap.resamples, "level": cfg.bootstrap.level, "seed": cfg.bootstrap.seed},
        "by_source": metrics_by_slice(by_source, tasks, cfg),
        "by_length": metrics_by_slice(by_length, tasks, cfg,
                                      order=lambda present: [k for k in bucket_keys if k in present]),
    }
    # the slicings are confounded (some datasets are single sentences): record each source's typical length
    toks = np.asarray(enc.n_tokens)
    src = np.asarray(by_source)
    for name, row in res["by_source"].items():
        row["median_tokens"] = float(np.median(toks[src == name]))
    lens = np.asarray(by_length)
    for name, row in res["by_length"].items():
        w = [windows_for(int(n), meta["max_length"], meta["stride"]) for n in toks[lens == name]]
        row["engine_windows"] = [min(w), max(w)]
    return res

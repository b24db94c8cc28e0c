"""Bootstrap intervals and the paired bootstrap test over dev examples.

Both resample *examples* (rows) with replacement and recompute the whole metric on each resample, so
non-additive metrics (F1, macro-F1, AUROC) get honest intervals. The paired test resamples the same rows
for both systems, so example difficulty cancels out of the difference. Percentile intervals; the p-value is
two-sided: twice the smaller tail of the resampled differences around 0 (with the +1 correction, so it is
never exactly 0 with 1,000 resamples), capped at 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core.codebook import Task
from .metrics import issue_metrics

# metric(rows) -> float, rows = an index array into the system's labelled examples
Metric = Callable[[np.ndarray], float]


@dataclass(frozen=True)
class BootstrapConfig:
    resamples: int = 1000
    level: float = 0.95
    seed: int = 0


def _indices(n: int, cfg: BootstrapConfig) -> np.ndarray:
    return np.random.default_rng(cfg.seed).integers(0, n, size=(cfg.resamples, n))


def bootstrap_ci(metric: Metric, n: int, cfg: BootstrapConfig = BootstrapConfig()) -> dict:
    point = metric(np.arange(n))
    vals = np.array([metric(ix) for ix in _indices(n, cfg)])
    vals = vals[~np.isnan(vals)]
    a = (1 - cfg.level) / 2
    lo, hi = (np.quantile(vals, [a, 1 - a]) if len(vals) else (np.nan, np.nan))
    return {"value": float(point), "ci_low": float(lo), "ci_high": float(hi), "resamples": int(len(vals))}


def paired_bootstrap(metric_a: Metric, metric_b: Metric, n: int, cfg: BootstrapConfig = BootstrapConfig()) -> dict:
    """Difference a - b on the same n examples: point estimate, percentile CI, two-sided p-value for 0."""
    point = metric_a(np.arange(n)) - metric_b(np.arange(n))
    diffs = np.array([metric_a(ix) - metric_b(ix) for ix in _indices(n, cfg)])
    diffs = diffs[~np.isnan(diffs)]
    a = (1 - cfg.level) / 2
    lo, hi = np.quantile(diffs, [a, 1 - a])
    tail = min((diffs <= 0).sum(), (diffs >= 0).sum())
    p = min(1.0, 2 * (tail + 1) / (len(diffs) + 1))
    return {"diff": float(point), "ci_low": float(lo), "ci_high": float(hi), "p_value": float(p),
            "resamples": int(len(diffs))}


def resampled_metric(task: Task, name: str, pred: np.ndarray, y: np.ndarray, mask: np.ndarray | None,
                     score: np.ndarray | None, rows: np.ndarray) -> Metric:
    """The Metric of one system's decisions: issue_metrics' ``name`` on ``rows[ix]`` (``rows``: the labelled
    examples, metrics.labelled_rows). The score is passed only for AUROC (the slow one); a metric the
    resample cannot have is nan (dropped by the bootstrap)."""
    def metric(ix: np.ndarray) -> float:
        r = rows[ix]
        m = issue_metrics(task, pred[r], y[r], None if mask is None else mask[r],
                          None if score is None or name != "auroc" else score[r])
        return float(m.get(name, float("nan")))
    return metric

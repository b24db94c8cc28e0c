"""The shipped model on the dev split, for the report's diagnostics (``python -m mhelp_pipeline evaluate-shipped``,
~5 min on 2 cores; then ``report`` renders them).

Writes, for models/<variant>:
- reports/shipped-dev.json: the issue's metrics per head (metrics.issue_metrics) of whole posts exactly as the
  engine decides them (inference.engine_predictions: every window, the shipped aggregation, temperatures and
  thresholds), a 95 % bootstrap interval of each primary head's REPORTED_HEADLINE, the data of the report's
  two figures (reliability bins of p(help-seeking), condition confusion matrix) and which graph was scored
  (the report refuses a file about another one);
- reports/calibration.json (reliability.py: ECE before/after temperature scaling, first windows);
- reports/slices.json (slices.py: the same whole-post decisions by source and by post length);
- reports/floors.json (floors.py) when it is absent.
Dev = the corpus dev split: primary heads against silver labels, auxiliary heads against their datasets' labels;
the shipped temperatures and thresholds were fitted on it, so these are diagnostics, not the headline (gold_cv.py).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ..core.codebook import codebook, reported_headline
from ..core.io import read_jsonl
from ..core.paths import CORPUS_DIR, MODELS, REPORTS
from ..model.batching import targets
from ..runtime.inference import engine_predictions
from .bootstrap import BootstrapConfig, bootstrap_ci, resampled_metric
from .floors import floors
from .metrics import issue_metrics, labelled_rows
from .reliability import ReliabilityConfig, calibration_report, shipped_dev_logits
from .slices import slice_report


def post_metrics(preds: dict, data: tuple) -> dict:
    """The issue's metric set per head from whole-post engine decisions ``preds`` ({task: (pred, score)});
    ``data``: reliability.shipped_dev_logits (its Encoded dev split carries the labels)."""
    _, enc, _, _ = data
    out = {}
    for t in codebook().tasks:
        pred, score = preds[t.key]
        y, m = targets(t, enc)
        out[t.key] = issue_metrics(t, pred, y, m, score)
    return out


def add_headline_cis(metrics: dict, preds: dict, data: tuple, cfg: BootstrapConfig = BootstrapConfig()) -> None:
    """95 % bootstrap interval of each primary head's reported headline, as ``metrics[task]["headline_ci"]``."""
    cb = codebook()
    _, enc, _, _ = data
    for t in (cb.task(k) for k in cb.primary):
        pred, _ = preds[t.key]
        y, m = targets(t, enc)
        rows = labelled_rows(y, m)
        metric = resampled_metric(t, reported_headline(t), pred, y, m, None, rows)
        metrics[t.key]["headline_ci"] = bootstrap_ci(metric, len(rows), cfg)


def evaluate_shipped(variant: str = "default", corpus_dir: Path = CORPUS_DIR, reports: Path = REPORTS,
                     log=print) -> dict:
    t0 = time.time()
    if not (reports / "floors.json").exists():
        floors(corpus_dir=corpus_dir, out=reports / "floors.json", log=log)
    data = shipped_dev_logits(variant, corpus_dir)
    cal = calibration_report(ReliabilityConfig(variant=variant), data)
    preds = engine_predictions(MODELS / variant, read_jsonl(corpus_dir / "dev.jsonl"), tuple(codebook().keys))
    heads = post_metrics(preds, data)
    add_headline_cis(heads, preds, data)
    meta = data[2]
    res = {"what": "the shipped model's whole-post dev-split metrics (evaluate/shipped.py)", "variant": variant,
           "model": {"name": meta["name"], "version": meta["version"], "onnx_sha256": meta["onnx_sha256"]},
           "dev": "corpus dev split (primary heads: silver labels; auxiliary heads: their datasets' labels), whole "
                  "posts as the engine decides them (every window, shipped aggregation, temperatures and "
                  "thresholds, fitted on this same split)",
           "heads": heads, "figures": cal.pop("_plot"), "date": time.strftime("%Y-%m-%d")}
    (reports / "calibration.json").write_text(json.dumps(cal, indent=1) + "\n")
    (reports / "slices.json").write_text(json.dumps(slice_report(data, preds), indent=1) + "\n")
    (reports / "shipped-dev.json").write_text(json.dumps(res, indent=1) + "\n")
    log(f"wrote shipped-dev.json, calibration.json and slices.json to {reports} in {time.time() - t0:.0f} s")
    return res


# --- the `evaluate-shipped` command ------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    """No options: models/default on build/corpus's dev split, the results in reports/."""


def run(args: argparse.Namespace) -> None:
    evaluate_shipped(log=lambda m: print(m, flush=True))

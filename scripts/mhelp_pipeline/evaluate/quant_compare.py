"""Which int8 method ships: accuracy, fidelity, size and speed of each quantisation of one checkpoint's
fp32 graph -> reports/quantisation.json.

Methods (quantise.py): ``weight_only`` (int8 weights, fp32 arithmetic), ``dynamic`` (every weight MatMul
and head as MatMulInteger with run-time activation quantisation) and ``mixed`` (dynamic except the FFN
down-projections). Per method, on the weak-label dev split:
- whole-post accuracy exactly as export.py calibrates and the engine decides (every window run alone,
  calibrate.calibrate_posts chooses temperatures, binary-head aggregation and thresholds on this same
  split, so every method is equally in-sample);
- fidelity: first-window decisions equal to the fp32 graph's (export.first_window_agreement);
- size of the .onnx and onnxruntime-web WASM ms per 128-token window in Node (scripts/bench_ort_web.mjs,
  interleaved runs: a relative figure; workerd CPU ms are measured by bench/worker-latency.mjs).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np

from ..core.codebook import REPORTED_HEADLINE, Task, codebook
from ..core.io import read_jsonl
from ..core.paths import CORPUS_DIR, EXPORT_TMP, QUANTISATION_DIR, REPO, REPORTS, base_model_dir
from ..export.calibrate import calibrate_posts, probs_as_logits
from ..export.export import first_window_agreement, onnx_logits
from ..export.quantise import QUANTISATIONS, quantise
from ..model.batching import encode, load_tokenizer
from ..runtime.inference import WindowRunner
from .metrics import logit_metrics


def _logit_metric_name(task: Task, name: str) -> str:
    """logit_metrics (single_label_metrics) names a binary head's F1 by its positive label: f1_yes."""
    return f"f1_{task.labels[1]}" if name == "f1" and task.n == 2 else name


def compare(fp32: Path = EXPORT_TMP / "default" / "model.fp32.onnx", corpus_dir: Path = CORPUS_DIR,
            out: Path = REPORTS / "quantisation.json", runs: int = 40, log=print) -> dict:
    t0 = time.time()
    cb = codebook()
    tok_path = base_model_dir() / "tokenizer.json"
    recs = read_jsonl(corpus_dir / "dev.jsonl")
    dev = encode(recs, load_tokenizer(tok_path), cb, 128)
    fp32_first = onnx_logits(fp32, dev.ids, runtime="native")
    work = QUANTISATION_DIR
    work.mkdir(parents=True, exist_ok=True)
    res: dict = {"fp32": str(fp32.relative_to(REPO)), "dev_posts": len(recs), "methods": {}}
    for method in QUANTISATIONS:
        path = work / f"{method}.onnx"
        quantise(fp32, path, method)
        runner = WindowRunner(path, tok_path, 128, 32, cb.keys)
        logits, weights = runner.run_posts([r["text"] for r in recs])
        cal = calibrate_posts(cb, logits, weights, dev.single, dev.multi, dev.multi_mask)
        m = logit_metrics(cb, probs_as_logits(cb, {k: v["probs"] for k, v in cal.items()}), dev,
                     {k: v["thresholds"] for k, v in cal.items()})
        first = {k: np.stack([x[k][0] for x in logits]) for k in cb.keys}
        res["methods"][method] = {
            "bytes": path.stat().st_size,
            "weak_dev_post_level": {k: round(m[k][_logit_metric_name(cb.task(k), v)], 4)
                                    for k, v in REPORTED_HEADLINE.items()},
            "help_seeking_aggregation": cal["help_seeking"]["aggregation"],
            "same_first_window_decision_as_fp32": {k: round(v, 4)
                                                   for k, v in first_window_agreement(fp32_first, first).items()},
        }
        log(f"{method}: {json.dumps(res['methods'][method])}")
    cmd = ["node", "scripts/bench_ort_web.mjs", "--runs", str(runs), f"fp32={fp32}",
           *[f"{m}={work / f'{m}.onnx'}" for m in QUANTISATIONS]]
    bench = json.loads(subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True, timeout=900).stdout)
    for name, b in bench["models"].items():
        res["methods"].setdefault(name, {})["node_ms"] = {k: b[k] for k in ("median_ms", "p10_ms", "p90_ms")}
    res["latency"] = {k: v for k, v in bench.items() if k != "models"} | {
        "what": "ms per 128-token window, onnxruntime-web WASM 1 thread in Node, interleaved runs on 2 shared "
                "cores: compare within this file only"}
    res["date"], res["wall_seconds"] = time.strftime("%Y-%m-%d"), round(time.time() - t0, 1)
    out.write_text(json.dumps(res, indent=1) + "\n")
    log(f"wrote {out}")
    return res


# --- the `quantisation` command ----------------------------------------------------------------------------------

def add_arguments(p) -> None:
    """No options: the fp32 graph export.py left in build/export/default."""


def run(args) -> None:
    compare(log=lambda m: print(m, flush=True))

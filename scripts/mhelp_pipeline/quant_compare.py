"""Which int8 method ships: accuracy, fidelity, size and speed of each quantisation of one checkpoint's
fp32 graph -> reports/quantisation.json.

Methods (quantise.py): ``weight_only`` (int8 weights, fp32 arithmetic), ``dynamic`` (every weight MatMul
and head as MatMulInteger with run-time activation quantisation) and ``mixed`` (dynamic except the FFN
down-projections). Per method, on the weak-label dev split:
- whole-post accuracy exactly as export.py calibrates and the engine decides (every window run alone,
  calibrate.calibrate_posts chooses temperatures, binary-head aggregation and thresholds on this same
  split, so every method is equally in-sample);
- fidelity: first-window decisions equal to the fp32 graph's (export._agreement);
- size of the .onnx and onnxruntime-web WASM ms per 128-token window in Node (scripts/bench_ort_web.mjs,
  interleaved runs: a relative figure; workerd CPU ms are measured by bench/worker-latency.mjs).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np

from .batching import encode, load_tokenizer, read_jsonl
from .calibrate import calibrate_posts, probs_as_logits
from .codebook import codebook
from .export import _agreement, onnx_logits
from .inference import WindowRunner
from .paths import BUILD, CORPUS_DIR, REPO, REPORTS, base_model_dir
from .quantise import QUANTISATIONS, quantise
from .train import evaluate

HEADLINE = {"help_seeking": "f1_yes", "condition": "accuracy", "causes": "macro_f1"}


def compare(fp32: Path = BUILD / "export" / "default" / "model.fp32.onnx", corpus_dir: Path = CORPUS_DIR,
            out: Path = REPORTS / "quantisation.json", runs: int = 40, log=print) -> dict:
    t0 = time.time()
    cb = codebook()
    tok_path = base_model_dir() / "tokenizer.json"
    recs = read_jsonl(corpus_dir / "dev.jsonl")
    dev = encode(recs, load_tokenizer(tok_path), cb, 128)
    fp32_first = onnx_logits(fp32, dev.ids, runtime="native")
    work = BUILD / "quantisation"
    work.mkdir(parents=True, exist_ok=True)
    res: dict = {"fp32": str(fp32.relative_to(REPO)), "dev_posts": len(recs), "methods": {}}
    for method in QUANTISATIONS:
        path = work / f"{method}.onnx"
        quantise(fp32, path, method)
        runner = WindowRunner(path, tok_path, 128, 32, cb.keys)
        logits, weights = runner.run_posts([r["text"] for r in recs])
        cal = calibrate_posts(cb, logits, weights, dev.single, dev.multi, dev.multi_mask)
        m = evaluate(cb, probs_as_logits(cb, {k: v["probs"] for k, v in cal.items()}), dev,
                     {k: v["thresholds"] for k, v in cal.items()})
        first = {k: np.stack([x[k][0] for x in logits]) for k in cb.keys}
        res["methods"][method] = {
            "bytes": path.stat().st_size,
            "weak_dev_post_level": {k: round(m[k][v], 4) for k, v in HEADLINE.items()},
            "help_seeking_aggregation": cal["help_seeking"]["aggregation"],
            "same_first_window_decision_as_fp32": {k: round(v, 4) for k, v in _agreement(fp32_first, first).items()},
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

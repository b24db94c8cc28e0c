"""Which int8 method ships, chosen by measurement (issue 13: "int8 and fp32 give the same help_seeking and
condition label on >= 99 % of posts and the same decision on >= 99 % of (post, cause) pairs") ->
reports/quantisation.json.

``python -m mhelp_pipeline quantisation [--model ../models/default] [--fp32 PATH] [--runs 40]``

One checkpoint's fp32 graph (default: build/export/<variant>/model.fp32.onnx, the graph the shipped int8 one was
quantised from) quantised by every candidate (quantise.py): ``dynamic`` per output channel (what ships) and per
tensor, ``mixed`` (dynamic except the FFN down-projections, fp32 arithmetic there) and ``weight_only`` (int8
weights, fp32 arithmetic). Per candidate:

- fidelity: the share of first windows on which the candidate makes the same *shipped decision* as the fp32 graph
  (export.decision_agreement: the model folder's own temperatures and thresholds from model.json; help_seeking and
  condition per post, causes per (post, cause) pair), on the silver dev split and on the gold dev posts; both
  graphs run one window per run (dynamic int8 scales activations per tensor, so batching would change the
  numbers), in native onnxruntime by default (``--runtime ort-web``: the engine's runtime, about ten times
  slower on 2 shared cores; the int8 kernels of the two runtimes may round differently, which is why the
  shipped method's row is also compared with model.json's ORT-web figure);
- size of the .onnx and onnxruntime-web WASM ms per 128-token window in Node (scripts/bench_ort_web.mjs,
  interleaved runs on shared cores: a relative figure, compare within this file only).

No calibration is refit per method: the shipped settings are the ones a replacement graph would be used with.
Whether a candidate meets the target on all three heads and costs <= 25 % more time per window than the shipped
method is recorded (``meets_target``, ``time_ratio_vs_shipped``); switching is left to a person.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

from ..core.codebook import codebook
from ..core.io import file_sha256, read_jsonl
from ..core.paths import (CORPUS_DIR, EXPORT_TMP, GOLD_DEV, MODELS, QUANTISATION_DIR, REPO, REPORTS, base_model_dir,
                          repo_relative)
from ..data.gold import load_gold
from ..export.export import decision_agreement, onnx_logits
from ..export.quantise import quantise
from ..model.batching import encode, load_tokenizer

# (name, quantise.py method, per_channel)
CANDIDATES = (("dynamic_per_channel", "dynamic", True), ("dynamic_per_tensor", "dynamic", False),
              ("mixed", "mixed", True), ("weight_only", "weight_only", True))
PRIMARY = ("help_seeking", "condition", "causes")
TARGET, MAX_TIME_RATIO = 0.99, 1.25


def compare(model_dir: Path = MODELS / "default", fp32: Path | None = None, corpus_dir: Path = CORPUS_DIR,
            gold_path: Path = GOLD_DEV, out: Path | None = REPORTS / "quantisation.json", runs: int = 40,
            candidates=CANDIDATES, work: Path = QUANTISATION_DIR, bench: bool = True, runtime: str = "native",
            log=print) -> dict:
    t0 = time.time()
    cb = codebook()
    meta = json.loads((model_dir / "model.json").read_text())
    fp32 = fp32 or EXPORT_TMP / meta.get("variant", model_dir.name) / "model.fp32.onnx"
    temps = {h["task"]: h["temperature"] for h in meta["heads"]}
    thresholds = {h["task"]: h.get("thresholds") for h in meta["heads"]}
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    sets = {"silver_dev": encode(read_jsonl(corpus_dir / "dev.jsonl"), tok, cb, meta["max_length"]).ids}
    gold = load_gold(gold_path)
    if gold:
        sets["gold_dev"] = encode([{"text": r["text"], "labels": r["labels"], "source": r["source"]} for r in gold],
                                  tok, cb, meta["max_length"]).ids
    ref = {k: onnx_logits(fp32, ids, runtime=runtime) for k, ids in sets.items()}
    log(f"fp32 first windows: {', '.join(f'{k} {len(v)}' for k, v in sets.items())} ({time.time() - t0:.0f}s)")
    work.mkdir(parents=True, exist_ok=True)
    res: dict = {"what": "quant_compare.py docstring", "model": repo_relative(model_dir), "version": meta.get("version"),
                 "fp32": repo_relative(fp32), "fp32_bytes": fp32.stat().st_size, "settings": "model.json temperatures and "
                 "thresholds of the model above", "first_windows": {k: len(v) for k, v in sets.items()},
                 "target": TARGET, "max_time_ratio": MAX_TIME_RATIO, "runtime": runtime,
                 "shipped_ort_web_silver_dev_agreement": (meta.get("metrics") or {}).get(
                     "int8_vs_fp32_dev_decision_agreement"), "methods": {}}
    for name, method, per_channel in candidates:
        path = work / f"{name}.onnx"
        quantise(fp32, path, method, per_channel)
        entry = {"method": method, "per_channel": per_channel, "bytes": path.stat().st_size,
                 "is_shipped_graph": file_sha256(path) == meta.get("onnx_sha256"), "same_decision_as_fp32": {}}
        for k, ids in sets.items():
            q = onnx_logits(path, ids, runtime=runtime)
            agree = decision_agreement(ref[k], q, temps, thresholds)
            entry["same_decision_as_fp32"][k] = {h: round(v, 4) for h, v in agree.items()}
        entry["meets_target"] = all(entry["same_decision_as_fp32"][k][h] >= TARGET for k in sets for h in PRIMARY)
        res["methods"][name] = entry
        log(f"{name}: {json.dumps(entry)} ({time.time() - t0:.0f}s)")
    if bench:
        cmd = ["node", "scripts/with-node22.mjs", "scripts/bench_ort_web.mjs", "--runs", str(runs), f"fp32={fp32}",
               *[f"{n}={work / f'{n}.onnx'}" for n, _, _ in candidates]]
        b = json.loads(subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True, timeout=1200).stdout)
        for name, x in b["models"].items():
            res["methods"].setdefault(name, {})["node_ms"] = {k: x[k] for k in ("median_ms", "p10_ms", "p90_ms")}
        shipped = next((n for n, m in res["methods"].items() if m.get("is_shipped_graph")), None)
        if shipped:
            base = res["methods"][shipped]["node_ms"]["median_ms"]
            for m in res["methods"].values():
                m["time_ratio_vs_shipped"] = round(m["node_ms"]["median_ms"] / base, 3)
        res["latency"] = {k: v for k, v in b.items() if k != "models"} | {
            "what": "ms per 128-token window, onnxruntime-web WASM 1 thread in Node, interleaved runs on 2 shared "
                    "cores: compare within this file only"}
        res["would_qualify"] = [n for n, m in res["methods"].items() if m.get("meets_target")
                                and m.get("time_ratio_vs_shipped", 9) <= MAX_TIME_RATIO and not m.get("is_shipped_graph")]
    res["date"], res["wall_seconds"] = time.strftime("%Y-%m-%d"), round(time.time() - t0, 1)
    if out is not None:
        out.write_text(json.dumps(res, indent=1) + "\n")
        log(f"wrote {out}")
    return res


# --- the `quantisation` command ----------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, help="the model folder whose settings decide (default ../models/default)")
    p.add_argument("--fp32", default=None, help="its fp32 graph (default build/export/<variant>/model.fp32.onnx)")
    p.add_argument("--runs", type=int, default=40, help="timed runs per graph (bench_ort_web.mjs, >= 30)")
    p.add_argument("--work", default=None, help="where the candidate graphs are written (default build/quantisation)")
    p.add_argument("--runtime", default="native", choices=("native", "ort-web"),
                   help="where the decisions are compared (native: fast; ort-web: the engine's runtime)")


def run(args: argparse.Namespace) -> None:
    compare(Path(args.model).resolve() if args.model else MODELS / "default",
            Path(args.fp32).resolve() if args.fp32 else None, runs=args.runs, runtime=args.runtime,
            work=Path(args.work) if args.work else QUANTISATION_DIR,
            log=lambda m: print(m, flush=True))

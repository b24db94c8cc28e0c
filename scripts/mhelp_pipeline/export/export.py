"""Export the best checkpoint to the shipped model folder ``models/<variant>/``.

Steps: fp32 ONNX (opset 17, inputs input_ids/attention_mask int64 with dynamic batch/seq, one raw-logits
output per task named by its key) -> int8 quantisation (quantise.py) -> check fp32 vs int8 logits/labels
on dev -> run the int8 graph over *every window* of every dev post, one window per run, as the engine
does (inference.WindowRunner) -> calibrate temperatures, window aggregation and thresholds on those
(calibrate.calibrate_posts) -> model.json (docs/model-format.md, format 2) + tokenizer.json copied from
the base model package.

Only standard ONNX ops are emitted (DynamicQuantizeLinear/MatMulInteger or DequantizeLinear/Gather/Cast/Mul
after quantisation, no com.microsoft fused ops), so onnxruntime-web's WASM build runs the graph; the
export test and the Node check in scripts/README.md verify it.

Why ``dynamic`` int8 ships (0.3.0; ``python -m mhelp_pipeline quantisation`` -> reports/quantisation.json):
MatMulInteger halves the WASM time per window against weight-only int8 (L3, 128 tokens, ORT-web in Node:
22.4 vs 47.9 ms for the 0.4.0 checkpoint), which is what brings the default under the Worker's 50 ms CPU
target, while whole-post weak-dev accuracy after calibration stays within noise of weight-only (0.4.0: help
F1 0.887 vs 0.889, condition accuracy 0.792 vs 0.789, causes macro-F1 0.856 vs 0.868; on the 0.3.0
checkpoint causes went the other way, 0.877 vs 0.849). It changes more individual first-window decisions
relative to fp32 (help ~98.7 % vs ~99.7 % identical): rounding of activations.
One activation scale per tensor makes a window's logits depend on what shares its batch, so the engine and
this reference run windows alone, and native x86 onnxruntime rounds a few activations differently from the
WASM build (logits up to ~0.3 apart), so every int8 logit here comes from onnxruntime-web (ort_web.py):
calibration is fitted on exactly the numbers the Worker computes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.codebook import codebook
from ..core.hardware import recorded_hardware
from ..core.io import file_sha256, read_jsonl
from ..core.paths import CHECKPOINT_DIR, CORPUS_DIR, EXPORT_TMP, MODELS, base_model_dir
from ..data.gold import load_gold
from ..data.normalise import NORMALISATION_VERSION
from ..evaluate.metrics import logit_metrics
from ..model.batching import encode, load_tokenizer
from ..model.checkpoint import load_checkpoint
from ..model.multitask import MultiTaskModel, collect_logits
from ..runtime.inference import Head, WindowRunner, ort_session, post_probabilities
from .calibrate import calibrate_posts, probs_as_logits
from .quantise import quantise

NOTICE = (
    "Decision support for trained humans, not a diagnosis. The help-seeking, condition and causes heads learned "
    "codebook labels (silver posts, one annotator each); auxiliary heads learned public research datasets' labels. "
    "Headline metrics are measured on the gold dev set (three annotators per post)."
)


@dataclass(frozen=True)
class ExportConfig:
    name: str = "mhelp-student"
    version: str = "0.0.0-uncalibrated"  # calibrate-on-gold --version gives a shipped model its release number
    opset: int = 17
    max_length: int = 128
    stride: int = 32
    quantisation: str = "dynamic"  # see quantise.py and the module docstring; "weight_only" = fp32 arithmetic
    per_channel: bool = True


_QUANT_DESC = {
    "weight_only": "int8 weights (symmetric, per output channel; embeddings per row), fp32 arithmetic",
    "mixed": "int8 dynamic except the FFN down-projections (int8 weights, fp32 arithmetic there); embeddings per row",
    "dynamic": "int8 dynamic (onnxruntime quantize_dynamic: QInt8 weights per output channel, activations "
               "quantised per tensor at run time, MatMulInteger; windows run one at a time)",
}


class _OnnxWrapper(torch.nn.Module):
    """Tuple outputs in codebook order, so ONNX output names can be the task keys."""

    def __init__(self, model: MultiTaskModel, keys: list[str]) -> None:
        super().__init__()
        self.model, self.keys = model, keys

    def forward(self, input_ids, attention_mask):
        out = self.model(input_ids, attention_mask)
        return tuple(out[k] for k in self.keys)


def export_onnx(model: MultiTaskModel, path: Path, opset: int = 17) -> None:
    keys = codebook().keys
    model.eval()
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    path.parent.mkdir(parents=True, exist_ok=True)
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}}
    axes.update({k: {0: "batch"} for k in keys})
    # The TorchScript exporter gives a plain, single-file opset-17 graph with named dynamic axes.
    wrapper = _OnnxWrapper(model, keys).eval()  # a new module defaults to train mode, which the exporter
    # would restore (recursively, i.e. dropout on in `model`) after exporting
    torch.onnx.export(
        wrapper, (ids, mask), str(path), input_names=["input_ids", "attention_mask"],
        output_names=keys, dynamic_axes=axes, opset_version=opset, do_constant_folding=True, dynamo=False,
    )


def graph_ops(path: Path) -> dict[str, int]:
    import onnx

    ops: dict[str, int] = {}
    for node in onnx.load(str(path)).graph.node:
        key = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
        ops[key] = ops.get(key, 0) + 1
    return ops


def onnx_logits(path: Path, ids: list[list[int]], runtime: str = "ort-web") -> dict[str, np.ndarray]:
    """Run an ONNX file over first-window token ids, one window per run (no padding, no batch-mates, as
    the engine runs them: dynamic int8 scales activations per tensor), in corpus order. ``runtime``:
    inference.ort_session (fp32 graphs may take the faster "native": identical to ~1e-6)."""
    sess = ort_session(path, runtime=runtime)
    keys = [o.name for o in sess.get_outputs()]
    out: dict[str, np.ndarray] = {}
    for i, row in enumerate(ids):
        x = np.asarray([row], np.int64)
        for k, v in zip(keys, sess.run(keys, {"input_ids": x, "attention_mask": np.ones_like(x)})):
            out.setdefault(k, np.zeros((len(ids), v.shape[1]), np.float32))[i] = v[0]
    return out


def first_window_agreement(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    """Share of first windows on which two graphs' raw logits give the same labels (argmax; the whole label set
    at 0 for multi-label heads), and the largest logit difference."""
    cb = codebook()
    res = {}
    for t in cb.tasks:
        if t.kind == "single_label":
            res[t.key] = float((a[t.key].argmax(1) == b[t.key].argmax(1)).mean())
        else:
            res[t.key] = float(((a[t.key] > 0) == (b[t.key] > 0)).all(1).mean())
    res["max_abs_logit_diff"] = float(max(np.abs(a[k] - b[k]).max() for k in a))
    return res


def _decide(task, z: np.ndarray, temperature: float, thresholds) -> np.ndarray:
    """The shipped decision on one window's logits: calibrated probability against the head's thresholds
    (a binary head's one threshold on p(labels[1]), one per label for multi-label heads), else argmax."""
    z = z.astype(np.float64) / temperature
    if task.kind == "multi_label":
        return (1 / (1 + np.exp(-z))) > np.asarray(thresholds)
    if thresholds is None:
        return z.argmax(1)
    p = np.exp(z - z.max(1, keepdims=True))
    return (p[:, 1] / p.sum(1)) > thresholds[0]


def decision_agreement(a: dict[str, np.ndarray], b: dict[str, np.ndarray], temps: dict, thresholds: dict) -> dict:
    """Share of dev posts (first windows) on which two graphs make the same shipped decision: the label for
    single-label heads, each (post, label) decision for multi-label heads (issue 13's >= 99 % target)."""
    out = {}
    for t in codebook().tasks:
        da, db = (_decide(t, x[t.key], temps[t.key], thresholds[t.key]) for x in (a, b))
        out[t.key] = float((da == db).mean())
    return out


def _compact(metrics: dict) -> dict:
    """Round floats for model.json."""
    if isinstance(metrics, dict):
        return {k: _compact(v) for k, v in metrics.items()}
    return round(metrics, 4) if isinstance(metrics, float) else metrics


def export(variant: str = "default", cfg: ExportConfig = ExportConfig(), checkpoint: Path = CHECKPOINT_DIR / "best",
           corpus_dir: Path = CORPUS_DIR, out_dir: Path | None = None, score_gold: bool = True, log=print) -> dict:
    """Export ``checkpoint`` to ``out_dir`` (int8 ONNX + model.json calibrated on the weak dev split).
    ``score_gold=False``: no gold metrics in model.json (gold_retrain.py's fold students trained on part of it)."""
    cb = codebook()
    model, meta = load_checkpoint(checkpoint)
    out_dir = out_dir or MODELS / variant
    tmp = EXPORT_TMP / variant
    fp32, int8 = tmp / "model.fp32.onnx", tmp / "model.int8.onnx"
    export_onnx(model, fp32, cfg.opset)

    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    dev = encode(read_jsonl(corpus_dir / "dev.jsonl"), tok, cb, cfg.max_length)
    with torch.no_grad():
        torch_dev = collect_logits(model, dev)
    fp32_dev = onnx_logits(fp32, dev.ids, runtime="native")
    fp32_vs_torch = float(max(np.abs(fp32_dev[k] - torch_dev[k]).max() for k in fp32_dev))

    quantise(fp32, int8, cfg.quantisation, cfg.per_channel)
    dev_records = read_jsonl(corpus_dir / "dev.jsonl")
    runner = WindowRunner(int8, base_model_dir() / "tokenizer.json", cfg.max_length, cfg.stride, cb.keys)
    t0 = time.time()
    dev_windows, dev_weights = runner.run_posts([r["text"] for r in dev_records])
    log(f"int8 logits of {sum(len(w[cb.keys[0]]) for w in dev_windows)} dev windows in {time.time() - t0:.0f}s")
    int8_first = {k: np.stack([w[k][0] for w in dev_windows]) for k in cb.keys}
    agree = first_window_agreement(fp32_dev, int8_first)

    calib = calibrate_posts(cb, dev_windows, dev_weights, dev.single, dev.multi, dev.multi_mask)
    thresholds = {k: v["thresholds"] for k, v in calib.items()}
    temps = {k: v["temperature"] for k, v in calib.items()}
    aggregation = {k: v["aggregation"] for k, v in calib.items()}
    dev_int8 = logit_metrics(cb, probs_as_logits(cb, {k: v["probs"] for k, v in calib.items()}), dev, thresholds)
    # the same settings on first windows only: what the numbers were before long posts were scored whole
    dev_int8_first = logit_metrics(cb, {k: v / temps[k] for k, v in int8_first.items()}, dev, thresholds)
    dev_fp32_argmax = logit_metrics(cb, fp32_dev, dev)
    decisions_agree = decision_agreement(fp32_dev, int8_first, temps, thresholds)
    multi_window = int(sum(len(w) > 1 for w in dev_weights))

    gold_metrics = None
    gold = load_gold() if score_gold else None
    if gold:
        g = encode([{"text": r["text"], "labels": r["labels"], "source": r["source"]} for r in gold], tok, cb,
                   cfg.max_length)
        g_windows, g_weights = runner.run_posts([r["text"] for r in gold])
        g_probs = {t.key: post_probabilities(Head(t.key, t.kind, list(t.labels), temps[t.key], None, aggregation[t.key]),
                                             [w[t.key] for w in g_windows], g_weights) for t in cb.tasks}
        gold_metrics = {k: v for k, v in logit_metrics(cb, probs_as_logits(cb, g_probs), g, thresholds).items()
                        if k in cb.primary}

    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(int8, out_dir / "model.int8.onnx")
    shutil.copyfile(base_model_dir() / "tokenizer.json", out_dir / "tokenizer.json")
    tok_json = json.loads((base_model_dir() / "tokenizer.json").read_text())
    lower = bool((tok_json.get("normalizer") or {}).get("lowercase", True))
    train_summary = json.loads(checkpoint.with_suffix(".json").read_text())
    stats = json.loads((corpus_dir / "stats.json").read_text()) if (corpus_dir / "stats.json").exists() else {}
    n_params = sum(p.numel() for p in model.parameters())
    mc = meta["model_config"]
    model_json = {
        "format_version": 2,
        "name": cfg.name,
        "version": cfg.version,
        "variant": variant,
        "onnx": "model.int8.onnx",
        "onnx_sha256": file_sha256(out_dir / "model.int8.onnx"),
        "tokenizer": "tokenizer.json",
        "do_lower_case": lower,
        "max_length": cfg.max_length,
        "stride": cfg.stride,
        "normalisation_version": NORMALISATION_VERSION,
        "codebook_version": cb.version,
        "heads": [
            {"task": t.key, "kind": t.kind, "labels": list(t.labels), "temperature": temps[t.key],
             "thresholds": thresholds[t.key], "aggregation": aggregation[t.key]}
            for t in cb.tasks
        ],
        "architecture": {
            "base": mc["base"], "layers": mc["layers"], "hidden": mc["hidden"], "heads": mc["heads"],
            "params": int(n_params), "pooling": mc["pooling"], "quantisation": _QUANT_DESC[cfg.quantisation],
            "opset": cfg.opset,
        },
        "training": {
            "data": sorted(stats.get("read", {}).keys()),
            "examples": {"train": train_summary.get("train_examples"), "dev": train_summary.get("dev_examples")},
            "script": ("scripts/mhelp_pipeline (python -m mhelp_pipeline distill: student of the 6-layer teacher, "
                       f"{train_summary['train_config'].get('init', 'pretrained')} init)"
                       if train_summary["train_config"].get("kind") == "distillation"
                       else "scripts/mhelp_pipeline (python -m mhelp_pipeline all)"),
            "seed": train_summary["train_config"]["seed"],
            "date": train_summary.get("date", time.strftime("%Y-%m-%d")),
            "steps": train_summary.get("steps"), "best_step": train_summary.get("best_step"),
            "wall_seconds": train_summary.get("wall_seconds"),
            "hardware": recorded_hardware(train_summary),
            "labels": "primary heads (help_seeking, condition, causes): codebook labels of the silver set (one "
                      "annotator per post; the weak primary labels of other sources are not used); auxiliary heads: "
                      "dataset annotations and weak labels; gold dev posts are never trained on; see "
                      "reports/data-card.md",
        },
        "metrics": {
            "dev_split": "dev split (15% of the corpus, grouped by author/post: primary heads scored on silver codebook "
                         "labels, auxiliary heads on dataset/weak labels); whole posts (every "
                         "128-token window, aggregated per head as above), int8 graph with the calibrated "
                         "temperatures/thresholds above; calibrated on this same split",
            "weak_dev": _compact(dev_int8),
            "weak_dev_first_window_only": _compact({k: v for k, v in dev_int8_first.items() if k in cb.primary}),
            "dev_posts_with_several_windows": multi_window,
            "aggregation_choice_f1": {k: v["aggregation_f1"] for k, v in calib.items() if "aggregation_f1" in v},
            "gold_dev": _compact(gold_metrics) if gold_metrics else None,
            "gold_dev_note": None if gold_metrics else ("gold/dev.jsonl was absent on the build machine" if score_gold
                                                        else "not scored: this model was trained on part of gold dev"),
            "int8_vs_fp32_dev_agreement": _compact(agree),
            "int8_vs_fp32_dev_decision_agreement": _compact(decisions_agree),
            "fp32_onnx_vs_torch_max_abs_logit_diff": round(fp32_vs_torch, 6),
            "fp32_dev_argmax": _compact({k: {m: v for m, v in d.items() if m in ("accuracy", "macro_f1", "micro_f1")}
                                         for k, d in dev_fp32_argmax.items()}),
            "sizes_bytes": {"fp32_onnx": fp32.stat().st_size, "int8_onnx": (out_dir / "model.int8.onnx").stat().st_size},
            "onnx_ops": graph_ops(out_dir / "model.int8.onnx"),
        },
        "notice": NOTICE,
    }
    (out_dir / "model.json").write_text(json.dumps(model_json, indent=2, ensure_ascii=False) + "\n")
    log(json.dumps({"sizes": model_json["metrics"]["sizes_bytes"], "agreement": agree, "decisions": decisions_agree,
                    "fp32_vs_torch": fp32_vs_torch}, indent=1))
    return model_json


# --- the `export` command ----------------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--variant", default="default", help="writes models/<variant>/ (default)")
    p.add_argument("--checkpoint", default=None, help="the checkpoint to export (default build/checkpoints/best)")


def run(args: argparse.Namespace) -> None:
    export(variant=args.variant, **({"checkpoint": Path(args.checkpoint)} if args.checkpoint else {}))

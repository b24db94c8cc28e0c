"""The TypeScript evaluation check (issue 3: "the shipped ONNX student is evaluated by the TypeScript engine,
and the two must agree").

``export-eval-set`` writes a labelled sample of a corpus split in the format ``mhelp eval`` reads
({"id", "text", "help_seeking"?, "condition"?, "causes"?}); causes are written as an object label -> 0/1
holding only the labels the weak labelling knows (a list would claim every other cause is absent). The file
goes to build/ (git-ignored): it holds post texts and must never be committed.

``compare-eval`` runs the shipped model in Python (onnxruntime, full windowing of inference.Predictor, each
window alone, as the engine) on the same file, computes the same metrics (metrics.issue_metrics) and compares
them with ``mhelp eval --output`` and the per-post decisions of ``mhelp eval --predictions``. It writes
reports/ts-python-agreement.json (counts and metrics only, no text).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from ..core.codebook import IGNORE, codebook
from ..core.io import read_jsonl
from ..core.paths import CORPUS_DIR, EVAL_DIR, MODELS, REPORTS
from ..data.normalise import normalise
from ..runtime.inference import Predictor
from .metrics import issue_metrics

COMPARED = {"help_seeking": ("accuracy", "precision", "recall", "f1", "auroc"), "condition": ("accuracy", "macro_f1"),
            "causes": ("micro_f1", "macro_f1")}
TOLERANCE = 5e-4  # "equal to 3 decimals"


def export_eval_set(split: str = "dev", limit: int = 300, out: str | Path | None = None, seed: int = 0,
                    corpus_dir: Path = CORPUS_DIR) -> Path:
    primary = codebook().primary
    recs = [r for r in read_jsonl(corpus_dir / f"{split}.jsonl") if any(k in r["labels"] for k in primary)]
    recs = sorted(random.Random(seed).sample(recs, min(limit, len(recs))), key=lambda r: r["id"])
    path = Path(out) if out else EVAL_DIR / f"{split}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in recs:
            row = {"id": r["id"], "text": r["text"], **{k: r["labels"][k] for k in primary if k in r["labels"]}}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = {k: sum(k in r["labels"] for r in recs) for k in primary}
    print(f"wrote {len(recs)} labelled posts of the weak {split} split to {path} (labels per task: {counts}); "
          "it contains post texts: keep it under build/, never commit it")
    return path


def _labels(row: dict) -> dict:
    """The label parsing of src/cli/evaluate.ts (parseLabels), for well-formed rows."""
    src = row["labels"] if isinstance(row.get("labels"), dict) else row
    cb = codebook()
    out = {k: src[k] for k in ("help_seeking", "condition") if src.get(k) is not None}
    causes = src.get("causes")
    if isinstance(causes, list):
        out["causes"] = {c: int(c in causes) for c in cb.task("causes").labels}
    elif isinstance(causes, dict) and causes:
        out["causes"] = {k: int(v) for k, v in causes.items()}
    return out


def python_decisions(rows: list[dict], model_dir: Path = MODELS / "default", runtime: str = "ort-web") -> list[dict]:
    pred = Predictor(model_dir, runtime=runtime)
    out = []
    for r in rows:
        h = pred.predict(normalise(r["text"]))["heads"]
        out.append({"id": str(r["id"]), "help_seeking": h["help_seeking"]["labels"],
                    "p_yes": float(h["help_seeking"]["probs"][1]), "condition": h["condition"]["labels"],
                    "causes": list(h["causes"]["labels"])})
    return out


def _same_label(a, b) -> bool:
    return sorted(a) == sorted(b) if isinstance(a, list) else a == b


def metrics_from_decisions(rows: list[dict], decisions: list[dict]) -> dict:
    cb = codebook()
    labels = [_labels(r) for r in rows]
    res = {}
    hs, cond, cau = cb.task("help_seeking"), cb.task("condition"), cb.task("causes")
    y = np.array([hs.index(l["help_seeking"]) if "help_seeking" in l else IGNORE for l in labels])
    res["help_seeking"] = issue_metrics(hs, np.array([hs.index(d["help_seeking"]) for d in decisions]), y,
                                        score=np.array([d["p_yes"] for d in decisions]))
    y = np.array([cond.index(l["condition"]) if "condition" in l else IGNORE for l in labels])
    res["condition"] = issue_metrics(cond, np.array([cond.index(d["condition"]) for d in decisions]), y)
    yc = np.array([[l.get("causes", {}).get(c, 0) for c in cau.labels] for l in labels])
    mc = np.array([[int(c in l.get("causes", {})) for c in cau.labels] for l in labels])
    pc = np.array([[int(c in d["causes"]) for c in cau.labels] for d in decisions])
    res["causes"] = issue_metrics(cau, pc, yc, mc)
    return res


def compare_eval(input_path: str | Path | None = None, ts_metrics: str | Path | None = None,
                 ts_predictions: str | Path | None = None, out: Path = REPORTS / "ts-python-agreement.json") -> dict:
    input_path = Path(input_path or EVAL_DIR / "dev.jsonl")
    ts_metrics = Path(ts_metrics or EVAL_DIR / "ts-metrics.json")
    ts_predictions = Path(ts_predictions or EVAL_DIR / "ts-decisions.jsonl")
    primary = codebook().primary
    rows = read_jsonl(input_path)
    t0 = time.time()
    py = python_decisions(rows)
    py_secs = time.time() - t0
    py_m = metrics_from_decisions(rows, py)
    # the same Python reference with native onnxruntime instead of the WASM build: how much the runtime's
    # int8 activation rounding alone moves the deployed decisions (ort_web.py)
    native = python_decisions(rows, runtime="native")
    native_same = {k: sum(int(_same_label(a[k], b[k])) for a, b in zip(py, native)) / len(py)
                   for k in primary}
    native_p = max(abs(a["p_yes"] - b["p_yes"]) for a, b in zip(py, native))
    ts = json.loads(ts_metrics.read_text())
    ts_dec = {d["id"]: d for d in read_jsonl(ts_predictions)}

    same = {"help_seeking": 0, "condition": 0, "causes": 0, "all_three": 0}
    p_diff = 0.0
    for d in py:
        t = ts_dec[d["id"]]
        ok = {k: _same_label(t[k], d[k]) for k in primary}
        for k, v in ok.items():
            same[k] += int(v)
        same["all_three"] += int(all(ok.values()))
        p_diff = max(p_diff, abs(t["p_yes"] - d["p_yes"]))
    n = len(py)
    metric_rows = []
    for task, names in COMPARED.items():
        for name in names:
            a, b = py_m[task].get(name), (ts["metrics"].get(task) or {}).get(name)
            ok = a is not None and b is not None and abs(a - b) <= TOLERANCE
            metric_rows.append({"task": task, "metric": name, "python": a, "typescript": b, "equal_3dp": bool(ok)})
    res = {
        "input": "weak-label dev sample written by export-eval-set (gold dev absent on this machine)",
        "posts": n, "ts_skipped": ts["summary"]["skipped"],
        "label_agreement": {k: v / n for k, v in same.items()},
        "label_disagreements": {k: n - v for k, v in same.items()},
        "max_abs_p_yes_diff": p_diff,
        "metrics": metric_rows,
        "all_metrics_equal_3dp": all(r["equal_3dp"] for r in metric_rows),
        "python_runtime": "inference.Predictor (Python tokenisation, windows, post-processing; every window run "
                          "alone) with the graph in onnxruntime-web WASM (scripts/ort_web_runner.mjs)",
        "native_onnxruntime_vs_wasm": {"label_agreement": native_same, "max_abs_p_yes_diff": native_p,
                                       "what": "the Python reference run with native onnxruntime (CPU) instead of "
                                               "WASM: the effect of int8 activation rounding alone"},
        "typescript_runtime": "mhelp eval: onnxruntime-web WASM (1 thread), src/engine (every window, run alone)",
        "python_seconds": round(py_secs, 1),
        "passes": all(r["equal_3dp"] for r in metric_rows) and same["all_three"] / n >= 0.995,
    }
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps({k: res[k] for k in ("posts", "label_agreement", "max_abs_p_yes_diff", "all_metrics_equal_3dp",
                                          "passes")}, indent=1))
    return res


# --- the `export-eval-set` and `compare-eval` commands ------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    """``export-eval-set``."""
    p.add_argument("--split", default="dev", help="corpus split (dev)")
    p.add_argument("--limit", type=int, default=300, help="number of posts (300)")
    p.add_argument("--out", default=None, help="output JSONL (default build/eval/<split>.jsonl)")


def run(args: argparse.Namespace) -> None:
    export_eval_set(args.split, args.limit, args.out)


def add_compare_arguments(p: argparse.ArgumentParser) -> None:
    """``compare-eval``."""
    p.add_argument("--input", default=None, help="the labelled JSONL given to `mhelp eval` (build/eval/dev.jsonl)")
    p.add_argument("--ts-metrics", default=None, help="`mhelp eval --output` file (build/eval/ts-metrics.json)")
    p.add_argument("--ts-predictions", default=None,
                   help="`mhelp eval --predictions` file (build/eval/ts-decisions.jsonl)")


def run_compare(args: argparse.Namespace) -> None:
    compare_eval(args.input, args.ts_metrics, args.ts_predictions)

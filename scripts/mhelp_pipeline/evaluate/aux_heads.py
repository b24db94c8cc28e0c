"""Auxiliary heads of every exported model vs their TF-IDF floors -> reports/aux-heads.json (issue 3 target:
each auxiliary head ≥ its TF-IDF floor + 5 points weighted F1 on its dev rows).

``python -m mhelp_pipeline aux-heads`` (~5 min): the shipped variants, their teacher and the shipped default's
recipe re-distilled with other seeds (``distill --seed k``), each scored on the weak-dev posts that carry an
auxiliary label, whole posts exactly as the engine decides them (inference.engine_predictions), against
reports/floors.json's TF-IDF + LR floor of each head.
The report's floors table shows the shipped model alone; this table says whether any model we have reaches the target,
which tells a missed target due to the student from one due to the encoder. Models without an export are
skipped and named.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ..core.codebook import codebook
from ..core.io import read_jsonl
from ..core.paths import CORPUS_DIR, MODELS, REPO, REPORTS, base_model_dir, shipped_teacher_dir, student_dir
from ..model.batching import encode, load_tokenizer, targets
from ..runtime.inference import engine_predictions
from .metrics import issue_metrics

TARGET_POINTS = 5.0  # the issue's target: each auxiliary head >= its TF-IDF floor + 5 points
SEED_ROWS = ("shipped default", "shipped recipe, seed 1", "shipped recipe, seed 2")  # one recipe, seeds 0, 1, 2


def models_scored() -> tuple[tuple[str, Path], ...]:
    """(row name, exported model folder): resolved when called (the teacher folder depends on what exists)."""
    return (("shipped default", MODELS / "default"), ("shipped fast", MODELS / "fast"),
            ("teacher of the shipped students", shipped_teacher_dir() / "model"),
            ("shipped recipe, seed 1", student_dir(3, seed=1)), ("shipped recipe, seed 2", student_dir(3, seed=2)))


def aux_heads(models=None, corpus_dir: Path = CORPUS_DIR, floors_path: Path = REPORTS / "floors.json",
              out: Path | None = REPORTS / "aux-heads.json", log=print) -> dict:
    """``models``: (row name, model folder) pairs, default ``models_scored()``; folders without model.json are
    skipped and named."""
    models = models if models is not None else models_scored()
    t0 = time.time()
    cb = codebook()
    aux = tuple(t.key for t in cb.tasks if not t.primary)
    recs = [r for r in read_jsonl(corpus_dir / "dev.jsonl") if any(k in r["labels"] for k in aux)]
    enc = encode(recs, load_tokenizer(base_model_dir() / "tokenizer.json"), cb, 128)  # labels only
    floors = json.loads(floors_path.read_text())["tasks"]
    res: dict = {"what": "auxiliary heads, weighted F1 on their weak-dev rows, whole posts (aux_heads.py)",
                 "target_points": TARGET_POINTS, "seed_rows": list(SEED_ROWS), "dev_posts": len(recs),
                 "floors": {k: floors[k]["tfidf_lr"]["weighted_f1"] for k in aux}, "models": {}}
    for name, d in models:
        if not (d / "model.json").exists():
            res["models"][name] = {"skipped": f"{d} has no model.json"}
            continue
        preds = engine_predictions(d, recs, aux)
        row = {}
        for k in aux:
            t = cb.task(k)
            y, mask = targets(t, enc)
            m = issue_metrics(t, preds[k][0], y, mask, preds[k][1])
            row[k] = {"n": m["n"], "weighted_f1": m["weighted_f1"],
                      "points_over_floor": 100 * (m["weighted_f1"] - res["floors"][k])}
        res["models"][name] = {"dir": str(d.relative_to(REPO)) if d.is_relative_to(REPO) else str(d), "heads": row}
        log(f"{name}: " + ", ".join(f"{k} {v['points_over_floor']:+.1f}" for k, v in row.items()))
    res["date"], res["wall_seconds"] = time.strftime("%Y-%m-%d"), round(time.time() - t0, 1)
    if out is not None:
        out.write_text(json.dumps(res, indent=1) + "\n")
    return res


# --- the `aux-heads` command -------------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    """No options: needs reports/floors.json (``floors``)."""


def run(args: argparse.Namespace) -> None:
    aux_heads(log=lambda m: print(m, flush=True))

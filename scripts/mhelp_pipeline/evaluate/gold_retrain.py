"""Gold-dev cross-validation with gold in training: the issue's full protocol ("k-fold cross-validation over
it for the M-Help tasks, with the rest of the corpus always in training").

``python -m mhelp_pipeline gold-cv --retrain [--student-layers 3] [--steps 1500] [--device cuda]``: for each
fold f of gold_cv.stratified_folds, one student is distilled exactly as distill.py distils the shipped ones
(same teacher, config, init and loss), on the whole training corpus plus the gold posts of the other folds.
Those gold posts carry hard labels for all three M-Help tasks (every causes label known) and teacher soft
targets like every other post. The student is exported (int8, calibrated on the weak dev split, as every
shipped model) and scores only its held-out fold; pooled over folds, each gold post is scored by a model that
never saw it. Students are cached in build/gold-cv/fold<f>-L<n>/ under a key of their config, the teacher and
the fold's gold posts, so a re-run only scores.

Cost: one student per fold (L3, 1,500 steps: ~17 min on 2 CPU cores, ~30 s on an H200) plus its export.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
import torch

from ..core.codebook import Codebook, codebook
from ..core.io import read_jsonl
from ..core.paths import CORPUS_DIR, GOLD_CV_DIR, base_model_dir
from ..export.export import export
from ..model.batching import Encoded, encode, load_tokenizer
from ..model.checkpoint import load_checkpoint
from ..model.multitask import collect_logits
from ..runtime.inference import WindowRunner, as_shipped, empty_decisions, put_decisions
from ..train.distill import DistillConfig, config_key, teacher_logits, train_student


def _fold_key(cfg: DistillConfig, layers: int, gold_train: list[dict]) -> str:
    texts = hashlib.sha256("\n".join(sorted(r["text"] for r in gold_train)).encode()).hexdigest()
    return json.dumps({"student": json.loads(config_key(cfg, layers)), "gold_train_sha256": texts}, sort_keys=True)


def gold_examples(gold: list[dict]) -> list[dict]:
    """Gold records as training examples (text, labels of the three M-Help tasks, source)."""
    return [{"text": r["text"], "labels": r["labels"], "source": f"gold:{r['source']}"} for r in gold]


def fold_training_set(tr: Encoded, gold_enc: Encoded, folds: np.ndarray, f: int) -> tuple[Encoded, np.ndarray]:
    """The corpus' train split followed by the gold posts outside fold ``f``, and those posts' gold indices."""
    rows = np.flatnonzero(folds != f)
    return tr.concat(gold_enc.take(rows)), rows


def retrain_folds(cb: Codebook, gold: list[dict], folds: np.ndarray, cfg: DistillConfig, layers: int,
                  corpus_dir: Path = CORPUS_DIR, out_dir: Path = GOLD_CV_DIR, log=print
                  ) -> tuple[list[Path], dict]:
    """Train (or reuse) and export one student per fold; returns the fold model folders and a summary."""
    torch.set_num_threads(cfg.threads)
    full = codebook()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    tr = encode(read_jsonl(corpus_dir / "train.jsonl"), tok, full, cfg.max_length)
    dv = encode(read_jsonl(corpus_dir / "dev.jsonl"), tok, full, cfg.max_length)
    gold_enc = encode(gold_examples(gold), tok, full, cfg.max_length)
    t_logits = g_logits = None  # computed only if a fold has to be trained
    dirs, summary = [], {"layers": layers, "steps": cfg.steps, "teacher": cfg.teacher, "folds": []}
    for f in range(int(folds.max()) + 1):
        d = out_dir / f"fold{f}-L{layers}"
        fold_tr, rows = fold_training_set(tr, gold_enc, folds, f)
        key = _fold_key(cfg, layers, [gold[i] for i in rows])
        stamp = d / "config_key.txt"
        t0 = time.time()
        if (d / "model.json").exists() and stamp.exists() and stamp.read_text() == key:
            log(f"fold {f}: reusing {d}")
        else:
            if t_logits is None:
                t_logits = teacher_logits(cfg, tr, corpus_dir / "train.jsonl", log, cache=out_dir / "teacher-logits")
                teacher, _ = load_checkpoint(Path(cfg.teacher))
                g_logits = collect_logits(teacher.to(cfg.device), gold_enc)
            logits = {k: np.concatenate([v, g_logits[k][rows]]) for k, v in t_logits.items()}
            log(f"fold {f}: distilling L{layers} on {len(tr.ids)} corpus + {len(rows)} gold posts")
            d.mkdir(parents=True, exist_ok=True)
            (d / "model.json").unlink(missing_ok=True)
            train_student(layers, cfg, fold_tr, dv, logits, d / "ckpt", log)
            export(variant=f"gold-cv-fold{f}-L{layers}", checkpoint=d / "ckpt", corpus_dir=corpus_dir, out_dir=d,
                   score_gold=False, log=lambda m: log("  export: " + m.replace("\n", " ")))
            stamp.write_text(key)
        summary["folds"].append({"fold": f, "gold_train_posts": int(len(rows)), "held_out": int((folds == f).sum()),
                                 "seconds": round(time.time() - t0, 1),
                                 "train": json.loads((d / "ckpt.json").read_text()).get("hardware")})
        dirs.append(d)
    return dirs, summary


def pooled_held_out(cb: Codebook, dirs: list[Path], gold: list[dict], folds: np.ndarray) -> dict[str, tuple]:
    """Each post decided by its own fold's student, as that model folder ships (inference.as_shipped)."""
    preds = empty_decisions(cb, len(gold))
    for f, d in enumerate(dirs):
        held = np.flatnonzero(folds == f)
        meta = json.loads((d / "model.json").read_text())
        runner = WindowRunner(d / meta["onnx"], d / meta["tokenizer"], meta["max_length"], meta["stride"], cb.keys)
        part, _ = as_shipped(cb, meta, *runner.run_posts([gold[i]["text"] for i in held]))
        put_decisions(preds, part, held)
    return preds

"""Knowledge distillation of smaller students (issue 3, "Student ... distil at least three student sizes").

**Teacher**: the full 6-layer all-MiniLM-L6-v2 multi-task model (``python -m mhelp_pipeline train --layers 6
--checkpoint ../build/teacher/L6/best``, same trainer.py, losses and early stopping as every model here, on CPU
or on a lent GPU by scripts/gpu_run.sh, see gpu_transfer.py).
all-mpnet-base-v2 (110 M parameters) would be the stronger teacher, but one epoch of it is ~6x the L6 cost on
2 CPU cores, and its weights (219 MB in fp16) do not fit the 64 MiB a GPU call may carry.

Students: all-MiniLM-L6-v2 truncated to ``layers`` (1, 2 or 3), hidden 384, mean pooling, one head per task:
exactly model/multitask.py, so export/quantisation/engine are unchanged. With ``init="teacher"`` (default) a student
starts from the teacher's fine-tuned weights for everything it has (embeddings, its first ``layers``
layers, every head), so distillation starts from a model that already does the tasks; ``"pretrained"``
starts the encoder from the pretrained MiniLM layers and the heads from random, as trainer.py does.

Loss per step, per head k with task weight w_k (primary 1, auxiliary 0.5 as in trainer.py):
    w_k * ( alpha * soft_k  +  (1 - alpha) * hard_k )
- soft_k, single-label heads: T^2 * KL(p_teacher^T || p_student^T), p^T = softmax(logits / T), batch mean,
  on *every* example of the batch (the teacher labels every head of every post, which is the point: most
  posts carry a weak label for one or two heads only). Hinton et al.'s direction (teacher distribution
  first); the T^2 keeps the soft gradients' scale independent of T.
- soft_k, multi-label heads: BCE(student logits, sigmoid(teacher logits)) over every (post, label) entry.
  No temperature: each label is its own Bernoulli, already a soft target; tempering would only pull every
  target towards 0.5.
- hard_k: trainer.py's masked loss (class-weighted CE / pos-weighted BCE on the labelled entries only); absent
  for heads with no label in the batch.

Teacher logits of the train split are computed once (eval mode, no dropout) and cached as .npy in
build/students/teacher/, keyed by the checkpoint's and the corpus' sha256, so both students reuse them.
Fixed budget (``steps`` x ``batch_size``), no early stopping and one evaluation at the end: no dev-based model
selection, so dev numbers are not selected on. Outputs: build/students/L<n>/ckpt.{safetensors,json}, then
export.py writes model.int8.onnx + model.json (calibrated on the weak dev split) to build/students/L<n>/.

``DistillationTrainer`` is trainer.Trainer with the loss above: the same step, optimiser and fixed-budget loop
as every model here. Commands: ``distill`` (train, export, then re-measure reports/frontier.json) and
``frontier`` (re-measure only, evaluate/frontier.py), both with the same options.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..core.codebook import Codebook, codebook
from ..core.hardware import hardware
from ..core.io import file_sha256, read_jsonl
from ..core.paths import CORPUS_DIR, STUDENTS_DIR, TEACHER_CHECKPOINT, base_model_dir, repo_relative, student_dir
from ..evaluate.frontier import frontier
from ..evaluate.metrics import logit_metrics, selection_score
from ..export.export import export
from ..model.batching import Encoded, encode, endless_full_batches, load_tokenizer
from ..model.checkpoint import load_checkpoint, save_checkpoint
from ..model.multitask import MultiTaskModel, collect_logits, config_for, pretrained_model
from .trainer import TrainConfig, Trainer, class_weights, task_losses


@dataclass(frozen=True)
class DistillConfig:
    layers: tuple[int, ...] = (1, 2, 3)
    teacher: str = str(TEACHER_CHECKPOINT)
    init: str = "teacher"  # "teacher" | "pretrained" (module docstring)
    steps: int = 600
    batch_size: int = 32
    max_length: int = 128
    alpha: float = 0.5  # weight of the soft (teacher) term; 1 - alpha on the weak hard labels
    temperature: float = 2.0  # softmax heads only (see module docstring)
    lr_encoder: float = 8e-5  # trainer.py's values: the students share its encoder and heads
    lr_heads: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    freeze_word_embeddings: bool = True  # 11.7M weights; freezing makes CPU steps cheaper, as in trainer.py
    aux_task_weight: float = 0.5
    threads: int = 2
    device: str = "cpu"  # "cuda" on the lent GPU machine; not part of a student's identity (config_key)
    seed: int = 0
    hard: TrainConfig = field(default_factory=TrainConfig)  # class-weight settings of the hard loss


# --- the loss (pure; tested in tests/test_distill.py) -------------------------------------------------------

def soft_losses(cb: Codebook, student: dict[str, torch.Tensor], teacher: dict[str, torch.Tensor],
                temperature: float) -> dict[str, torch.Tensor]:
    out = {}
    for t in cb.tasks:
        s, z = student[t.key], teacher[t.key]
        if t.kind == "single_label":
            kl = F.kl_div(F.log_softmax(s / temperature, -1), F.log_softmax(z / temperature, -1),
                          log_target=True, reduction="batchmean")
            out[t.key] = kl * temperature**2
        else:
            out[t.key] = F.binary_cross_entropy_with_logits(s, torch.sigmoid(z))
    return out


def distill_loss(cb: Codebook, student: dict, teacher: dict, batch: dict, weights: dict, task_w: dict[str, float],
                 alpha: float, temperature: float) -> tuple[torch.Tensor, dict[str, float]]:
    """Total loss and its parts (for logging). ``weights``: trainer.py's class / pos weights of the hard loss."""
    soft = soft_losses(cb, student, teacher, temperature)
    hard = task_losses(cb, student, batch, weights)
    total = sum(task_w[k] * (alpha * soft[k] + (1 - alpha) * hard.get(k, 0.0)) for k in soft)
    parts = {"soft": float(sum(task_w[k] * v.detach() for k, v in soft.items())),
             "hard": float(sum(task_w[k] * v.detach() for k, v in hard.items()))}
    return total, parts


# --- teacher logits, cached once --------------------------------------------------------------------------

def teacher_logits(cfg: DistillConfig, enc: Encoded, corpus_file: Path, log=print,
                   cache: Path = STUDENTS_DIR / "teacher") -> dict[str, np.ndarray]:
    teacher = Path(cfg.teacher)
    key = {"teacher_sha256": file_sha256(teacher.with_suffix(".safetensors")), "corpus_sha256": file_sha256(corpus_file),
           "max_length": cfg.max_length, "n": len(enc.ids)}
    meta_path = cache / "meta.json"
    if meta_path.exists() and json.loads(meta_path.read_text())["key"] == key:
        log(f"teacher logits: reusing {cache}")
        return {k: np.load(cache / f"{k}.npy") for k in json.loads(meta_path.read_text())["heads"]}
    t0 = time.time()
    model, _ = load_checkpoint(teacher)
    out = collect_logits(model.to(cfg.device), enc)
    cache.mkdir(parents=True, exist_ok=True)
    for k, v in out.items():
        np.save(cache / f"{k}.npy", v)
    meta_path.write_text(json.dumps({"key": key, "heads": list(out), "seconds": round(time.time() - t0, 1)}, indent=1))
    log(f"teacher logits for {len(enc.ids)} train posts in {time.time() - t0:.0f}s")
    return out


# --- training one student ---------------------------------------------------------------------------------

class DistillationTrainer(Trainer):
    """trainer.Trainer whose loss is ``distill_loss``: the teacher's logits of the batch's posts (rows of
    ``teacher_logits``, in train-set order) mixed with the masked hard loss."""

    def __init__(self, cb: Codebook, model: MultiTaskModel, train_set: Encoded, weights: dict,
                 task_weights: dict[str, float], teacher_logits: dict[str, np.ndarray], cfg: "DistillConfig",
                 layers: int, log=print) -> None:
        super().__init__(cb, model, train_set, weights, task_weights, cfg.device, log)
        self.teacher_logits, self.alpha, self.temperature, self.layers = (teacher_logits, cfg.alpha,
                                                                         cfg.temperature, layers)

    def compute_loss(self, batch: dict, idx: list[int]) -> tuple[torch.Tensor, dict[str, float]]:
        teach = {k: torch.from_numpy(v[idx]).to(self.device) for k, v in self.teacher_logits.items()}
        return distill_loss(self.cb, self.model(batch["input_ids"], batch["attention_mask"]), teach, batch,
                            self.weights, self.task_weights, self.alpha, self.temperature)

    def step_message(self, step: int, steps: int, loss: torch.Tensor, parts: dict[str, float], seconds: float) -> str:
        return (f"  L{self.layers} step {step}/{steps} loss {loss.item():.3f} (soft {parts['soft']:.3f} "
                f"hard {parts['hard']:.3f}) {seconds:.0f}s")


def init_from_teacher(model: torch.nn.Module, teacher: Path) -> int:
    """Copy every teacher tensor whose name and shape the student has (its first layers, embeddings,
    heads); the teacher's deeper layers have no counterpart. Returns how many tensors were copied."""
    from safetensors.torch import load_file

    own = model.state_dict()
    take = {k: v for k, v in load_file(str(teacher.with_suffix(".safetensors"))).items()
            if k in own and own[k].shape == v.shape}
    model.load_state_dict(take, strict=False)
    return len(take)


def train_student(layers: int, cfg: DistillConfig, tr: Encoded, dv: Encoded, t_logits: dict[str, np.ndarray],
                  out: Path, log=print) -> dict:
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    cb = codebook()
    mcfg = config_for(cb, layers=layers)
    model = pretrained_model(cb, layers, cfg.freeze_word_embeddings)
    if cfg.init == "teacher":
        taken = init_from_teacher(model, Path(cfg.teacher))
        log(f"  L{layers}: {taken} tensors initialised from the teacher")
    elif cfg.init != "pretrained":
        raise ValueError(f"init must be 'teacher' or 'pretrained', not {cfg.init!r}")
    model.to(cfg.device)
    task_w = {t.key: 1.0 if t.primary else cfg.aux_task_weight for t in cb.tasks}
    trainer = DistillationTrainer(cb, model, tr, class_weights(cb, tr, cfg.hard, cfg.device), task_w, t_logits, cfg,
                                  layers, log)
    opt, sched = trainer.optimiser(cfg, cfg.steps)
    secs = trainer.train_steps(opt, sched, cfg.steps, endless_full_batches(tr, cfg.batch_size, rng))
    metrics = logit_metrics(cb, collect_logits(model, dv), dv)  # argmax / 0.5, torch fp32: a training log only
    scores = {t.key: _round(selection_score(t, metrics[t.key])) for t in cb.tasks}
    log(f"  L{layers} done in {secs:.0f}s; dev headline (argmax/0.5) {scores}")
    train_cfg = {**asdict(cfg), "layers": layers, "kind": "distillation", "hard": asdict(cfg.hard)}
    summary = {"model_config": mcfg.to_dict(), "train_config": train_cfg, "steps": cfg.steps,
               "best_step": cfg.steps, "train_examples": len(tr.ids), "dev_examples": len(dv.ids),
               "wall_seconds": round(secs, 1), "hardware": hardware(cfg.device, cfg.threads),
               "dev_headline_argmax": scores, "date": time.strftime("%Y-%m-%d")}
    save_checkpoint(model, out, summary)  # export.py reads model_config, train_config.seed, steps, wall_seconds
    return summary


def _round(x: float) -> float | None:
    return None if math.isnan(x) else round(float(x), 4)  # JSON has no NaN (heads without dev labels)


def config_key(cfg: DistillConfig, layers: int) -> str:
    """What identifies a trained student: its config, minus where it ran (device, threads), with the teacher
    named relative to the repository, so a student distilled on the lent GPU machine (gpu_transfer.py) is
    reused here by the same command."""
    key = {k: v for k, v in asdict(cfg).items() if k not in ("device", "threads")}
    key["teacher"] = repo_relative(cfg.teacher)
    return json.dumps({**key, "layers": layers}, sort_keys=True, default=str)


def distill(cfg: DistillConfig = DistillConfig(), corpus_dir: Path = CORPUS_DIR, export_students: bool = True,
            log=print, run_name: str | None = None) -> dict[int, Path]:
    """Train (or reuse) every student, export each to build/students/L<n>/; returns layers -> model dir.

    ``export_students=False`` (the GPU machine, which has no onnxruntime quantiser of our pin) trains only.
    ``run_name`` puts a recipe variant in its own folder (``student_dir``), so it never replaces the students
    that frontier.py and the report measure."""
    torch.set_num_threads(cfg.threads)
    cb = codebook()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    tr = encode(read_jsonl(corpus_dir / "train.jsonl"), tok, cb, cfg.max_length)
    dv = encode(read_jsonl(corpus_dir / "dev.jsonl"), tok, cb, cfg.max_length)
    t_logits: dict[str, np.ndarray] = {}  # computed only if a student has to be trained
    teacher_dir = Path(cfg.teacher).parent / "model"
    if export_students and not (teacher_dir / "model.json").exists():
        export(variant="teacher", checkpoint=Path(cfg.teacher), corpus_dir=corpus_dir, out_dir=teacher_dir,
               log=lambda m: log("  teacher export: " + m.replace("\n", " ")))
    dirs = {}
    for layers in cfg.layers:
        d = student_dir(layers, cfg.seed, run_name)
        ckpt = d / "ckpt"
        stamp = d / "config_key.txt"
        if ckpt.with_suffix(".json").exists() and stamp.exists() and stamp.read_text() == config_key(cfg, layers):
            log(f"L{layers}: reusing {ckpt}")
        else:
            log(f"L{layers}: distilling {cfg.steps} steps x {cfg.batch_size} from {cfg.teacher}")
            d.mkdir(parents=True, exist_ok=True)
            t_logits = t_logits or teacher_logits(cfg, tr, corpus_dir / "train.jsonl", log)
            train_student(layers, cfg, tr, dv, t_logits, ckpt, log)
            stamp.write_text(config_key(cfg, layers))
            (d / "model.json").unlink(missing_ok=True)  # stale export
        if export_students and not (d / "model.json").exists():
            t0 = time.time()
            export(variant=f"student-L{layers}", checkpoint=ckpt, corpus_dir=corpus_dir, out_dir=d,
                   log=lambda m: log("  export: " + m.replace("\n", " ")))
            log(f"  L{layers} exported in {time.time() - t0:.0f}s")
        dirs[layers] = d
    return dirs


def config_with(**over) -> DistillConfig:
    return replace(DistillConfig(), **{k: v for k, v in over.items() if v is not None})



# --- the `distill` and `frontier` commands -----------------------------------------------------------------------

def add_student_arguments(p: argparse.ArgumentParser, layers: str, steps: str, teacher: str, note: str = "") -> None:
    """The options of a student's DistillConfig (``distill``, ``frontier``, ``gold-cv --retrain``); ``layers``,
    ``steps`` and ``teacher`` name the command's defaults, ``note`` starts every help text."""
    p.add_argument("--student-layers", default=None, help=f"{note}comma-separated student depths ({layers})")
    p.add_argument("--steps", type=int, default=None, help=f"{note}optimizer steps per student ({steps})")
    p.add_argument("--alpha", type=float, default=None, help=f"{note}weight of the teacher (soft) loss (0.5)")
    p.add_argument("--device", default=None, help=f"{note}cpu (default) or cuda (the lent GPU machine)")
    p.add_argument("--teacher", default=None, help=f"{note}teacher checkpoint ({teacher})")
    p.add_argument("--seed", type=int, default=None, help=f"{note}random seed (0)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``distill`` and ``frontier`` (which re-measures the students distill trained with the same options)."""
    add_student_arguments(p, layers="default 1,2,3", steps="600", teacher="default build/teacher/L6/best")
    p.add_argument("--aux-task-weight", type=float, default=None, help="loss weight of auxiliary heads (0.5)")
    p.add_argument("--corpus-dir", default=None, help="the corpus to distil on (default build/corpus)")
    p.add_argument("--run-name", default=None,
                   help="a recipe variant's folder suffix, build/students/L<n>-<name> (default: none)")
    p.add_argument("--no-export", action="store_true",
                   help="train the students only (no ONNX export, no frontier), as on the GPU machine")
    p.add_argument("--no-frontier", action="store_true",
                   help="train and export, but do not re-measure reports/frontier.json (re-seeded runs)")


def student_layers(option: str | None) -> tuple[int, ...] | None:
    """``--student-layers 1,2,3`` -> (1, 2, 3); None when the option is not given."""
    return tuple(int(x) for x in option.split(",")) if option else None


def config_from_args(args: argparse.Namespace) -> DistillConfig:
    return config_with(layers=student_layers(args.student_layers), steps=args.steps, alpha=args.alpha,
                       device=args.device, teacher=args.teacher, seed=args.seed, aux_task_weight=args.aux_task_weight)


def run(args: argparse.Namespace) -> None:
    """``distill``: train (or reuse) and export the students, then re-measure the frontier."""
    cfg = config_from_args(args)
    log = lambda m: print(m, flush=True)  # noqa: E731
    corpus_kw = {"corpus_dir": Path(args.corpus_dir)} if args.corpus_dir else {}
    dirs = distill(cfg, export_students=not args.no_export, log=log, run_name=args.run_name, **corpus_kw)
    if not (args.no_export or args.no_frontier):
        frontier(cfg, dirs, log=log)


def run_frontier(args: argparse.Namespace) -> None:
    """``frontier``: re-measure reports/frontier.json from the students distill already trained and exported."""
    if not (args.no_export or args.no_frontier):
        frontier(config_from_args(args), None, log=lambda m: print(m, flush=True))

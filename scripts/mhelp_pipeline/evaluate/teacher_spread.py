"""Seed-to-seed spread of the teacher -> reports/teacher-seeds.json (issue 3: "seeds handled and documented").

``python -m mhelp_pipeline teacher-spread --checkpoints ../build/teacher/L6-cpu/best,../build/teacher/L6-cpu-seed1/best``
reads each checkpoint's best.json (written by trainer.py), adds the teacher runs of the lent GPU recorded in
reports/gpu-training.json, and groups the runs by configuration (the train
config without seed, device and threads): per run its seed, hardware, best step and trainer.py's dev score (the
mean over all heads of weak-dev macro-/micro-F1 at the best step, first 128-token window, argmax / 0.5) with
the three M-Help heads' scores; per configuration the mean, the range and the largest gap between runs. A
teacher is chosen by that score, so its spread says how much of a difference between teacher candidates is
the seed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..core.codebook import codebook
from ..core.hardware import recorded_hardware
from ..core.paths import REPO, REPORTS
NOT_CONFIG = ("seed", "device", "threads", "max_minutes")  # where and how long it may run, not what it learns


def run_row(path: str, best: dict) -> dict:
    at_best = next((h for h in best["history"] if h["step"] == best["best_step"]), {})
    return {"checkpoint": path, "seed": best["train_config"]["seed"], "hardware": recorded_hardware(best),
            "best_step": best["best_step"], "steps": best["steps"], "score": best["best_score"],
            **{k: at_best.get(k) for k in codebook().primary}, "wall_seconds": best["wall_seconds"]}


def config_label(cfg: dict) -> str:
    return (f"{cfg['layers']} layers, ≤ {cfg['epochs']} epochs, patience {cfg['patience']}, "
            f"aux weight {cfg['aux_task_weight']:g}")


def spread(bests: dict[str, dict]) -> list[dict]:
    """Runs grouped by configuration; ``bests``: checkpoint path -> its best.json."""
    groups: dict[str, dict] = {}
    for path, b in bests.items():
        key = json.dumps({k: v for k, v in b["train_config"].items() if k not in NOT_CONFIG}, sort_keys=True)
        g = groups.setdefault(key, {"config": config_label(b["train_config"]), "runs": []})
        g["runs"].append(run_row(path, b))
    for g in groups.values():
        g["runs"].sort(key=lambda r: (r["seed"], r["hardware"]))
        scores = [r["score"] for r in g["runs"]]
        g.update({"n": len(scores), "mean_score": sum(scores) / len(scores), "min_score": min(scores),
                  "max_score": max(scores), "range": max(scores) - min(scores)})
    return sorted(groups.values(), key=lambda g: -g["n"])


def teacher_spread(checkpoints: list[Path], out: Path = REPORTS / "teacher-seeds.json",
                   gpu_record: Path = REPORTS / "gpu-training.json") -> dict:
    """The runs of ``checkpoints`` and every teacher run recorded in ``gpu_record`` (gpu_transfer.py)."""
    bests = json.loads(gpu_record.read_text())["runs"] if gpu_record.exists() else {}
    for c in checkpoints:
        c = c.resolve()
        name = str(c.relative_to(REPO)) if c.is_relative_to(REPO) else str(c)
        bests[name] = json.loads(c.with_suffix(".json").read_text())
    res = {"what": "teacher runs grouped by configuration (teacher_spread.py)", "groups": spread(bests),
           "date": time.strftime("%Y-%m-%d")}
    out.write_text(json.dumps(res, indent=1) + "\n")
    return res


# --- the `teacher-spread` command --------------------------------------------------------------------------------

def add_arguments(p) -> None:
    p.add_argument("--checkpoints", default=None,
                   help="comma-separated teacher checkpoints (plus the GPU runs on record)")


def run(args) -> None:
    res = teacher_spread([Path(p) for p in (args.checkpoints or "").split(",") if p])
    for g in res["groups"]:
        print(f"{g['config']}: {g['n']} runs, score {g['min_score']:.4f}-{g['max_score']:.4f}")

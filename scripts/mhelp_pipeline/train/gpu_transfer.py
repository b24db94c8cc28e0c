"""Moving the teacher/student training to the lent GPU machine and back, within its transfer limits.

The device tool (../.library/device) runs a command on an H100/H200 over a copy of the working tree. That
machine reaches no package index, so the pretrained all-MiniLM-L6-v2 weights and the corpus travel with the
call (``.gpu/``, ignored by git), and what comes back is limited to 8 files of at most 16 MiB each, 64 MiB in
all. Hence, in the order the steps run:

1. ``pack-base`` (here): ``.gpu/base/`` = the pretrained weights in fp16 (45 MB instead of 91 MB; the tracked
   tree plus what is carried must stay under 64 MiB) + tokenizer.json, and ``.gpu/corpus/`` = build/corpus, gzipped.
   The fp16 rounding of the *starting* point (relative error <= 2^-11) is absorbed by fine-tuning; the frozen
   word-embedding table is exactly fp32(fp16(pretrained)) on both machines, which step 4 relies on.
2. ``scripts/gpu_run.sh`` (there): the same trainer.py / distill.py code with ``--device cuda``.
3. ``pack-returns`` (there): every returned checkpoint without its frozen word-embedding table (11.7 M of the
   weights, rebuilt in step 4), in fp16, split into files under the size limit, plus one runs.json with every
   run's summary. fp16 keeps a student's weights 8x finer than the int8 step it is shipped with.
4. ``unpack-returns`` (here): full fp32 checkpoints at the paths the CPU pipeline reads
   (build/teacher/L6/best, build/students/L<n>/ckpt + config_key.txt), the CPU-trained ones kept beside them
   (``*-cpu``), and reports/gpu-training.json (hardware, wall-clock times, every candidate's dev scores).
   ``distill`` / ``frontier`` / ``report`` then run here unchanged and reuse the returned students.
   ``summary`` rewrites only reports/gpu-training.json.

Each step is ``python -m mhelp_pipeline gpu-transfer <step> [paths]`` (scripts/gpu_run.sh, scripts/README.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
from pathlib import Path

import torch

from ..core.hardware import recorded_hardware
from ..core.paths import CORPUS_DIR, GPU_CARRY, REPO, REPORTS, STUDENTS_DIR, TEACHER_CHECKPOINT, base_model_dir
from ..model.multitask import pretrained_weight_name

WORD = "encoder.word.weight"  # frozen in every run (TrainConfig / DistillConfig.freeze_word_embeddings)
PART_BYTES = 15 * 2**20  # under the 16 MiB a returned file may have


def _load(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(path))


def _save(state: dict[str, torch.Tensor], path: Path) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))


def frozen_word_table(base_dir: Path) -> torch.Tensor:
    """The word-embedding table every run trains with: the pretrained table rounded through fp16."""
    src = _load(base_dir / "model.safetensors")
    (key,) = [k for k in src if pretrained_weight_name(k) == WORD]
    return src[key].to(torch.float16).to(torch.float32)


# --- 1. here -------------------------------------------------------------------------------------------------

def pack_base(dest: Path = GPU_CARRY) -> int:
    base = base_model_dir()
    _save({k: v.to(torch.float16) if v.is_floating_point() else v for k, v in _load(base / "model.safetensors").items()},
          dest / "base" / "model.safetensors")
    shutil.copy(base / "tokenizer.json", dest / "base" / "tokenizer.json")
    (dest / "corpus").mkdir(exist_ok=True)
    for f in CORPUS_DIR.glob("*.jsonl"):  # gzip: 15 MB -> 4 MB of the 64 MiB
        with f.open("rb") as src, gzip.open(dest / "corpus" / (f.name + ".gz"), "wb") as dst:
            shutil.copyfileobj(src, dst)
    size = sum(f.stat().st_size for f in dest.rglob("*") if f.is_file())
    print(f"{dest}: {size / 2**20:.1f} MiB to carry (the tree itself travels too: keep the sum under 64 MiB)")
    return size


# --- 3. there ------------------------------------------------------------------------------------------------

def select_teacher(candidates: list[Path], dest: Path = TEACHER_CHECKPOINT) -> Path:
    """Copy the candidate with the best mean dev headline (trainer.py's early-stopping score) to ``dest``."""
    scored = [(json.loads(c.with_suffix(".json").read_text())["best_score"], c) for c in candidates
              if c.with_suffix(".json").exists()]
    score, best = max(scored)
    dest.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".safetensors", ".json"):
        shutil.copy(best.with_suffix(suffix), dest.with_suffix(suffix))
    print(f"teacher: {best} (mean dev headline {score:.4f}) of {[str(c) for _, c in scored]}")
    return best


def _parts(state: dict[str, torch.Tensor]) -> list[dict[str, torch.Tensor]]:
    parts: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for k, v in state.items():
        n = v.numel() * v.element_size()
        if parts[-1] and size + n > PART_BYTES:
            parts.append({})
            size = 0
        parts[-1][k] = v
        size += n
    return parts


def pack_returns(out: Path, runs: list[Path], base_dir: Path) -> None:
    """Write the teacher and students (without the frozen table, fp16, split) and runs.json into ``out``."""
    word = frozen_word_table(base_dir)
    manifest: dict = {"checkpoints": {}, "runs": {}}
    for run in runs:
        meta = run.with_suffix(".json")
        if meta.exists():
            manifest["runs"][str(run.relative_to(REPO))] = json.loads(meta.read_text())
    ships = {"teacher": TEACHER_CHECKPOINT, **{f"L{n}": STUDENTS_DIR / f"L{n}" / "ckpt" for n in (1, 2, 3)}}
    for name, ckpt in ships.items():
        if not ckpt.with_suffix(".safetensors").exists():
            continue
        state = _load(ckpt.with_suffix(".safetensors"))
        if not torch.equal(state.pop(WORD), word):
            raise RuntimeError(f"{ckpt}: the word-embedding table changed; it must stay frozen to be rebuilt")
        files = []
        for i, part in enumerate(_parts({k: v.to(torch.float16) for k, v in state.items()})):
            files.append(f"{name}.part{i}.safetensors")
            _save(part, out / files[-1])
        stamp = ckpt.parent / "config_key.txt"
        manifest["checkpoints"][name] = {"path": str(ckpt.relative_to(REPO)), "files": files,
                                         "meta": json.loads(ckpt.with_suffix(".json").read_text()),
                                         "config_key": stamp.read_text() if stamp.exists() else None}
    (out / "runs.json").write_text(json.dumps(manifest, indent=1))
    print(f"packed {list(manifest['checkpoints'])} and {len(manifest['runs'])} run summaries into {out}")


# --- 4. here -------------------------------------------------------------------------------------------------

def unpack_returns(src: Path) -> dict:
    """Rebuild fp32 checkpoints from ``src`` (the device call's files), keeping the CPU-trained ones aside."""
    manifest = json.loads((src / "runs.json").read_text())
    word = frozen_word_table(base_model_dir())
    for name, entry in manifest["checkpoints"].items():
        ckpt = REPO / entry["path"]
        keep = ckpt.parent.with_name(ckpt.parent.name + "-cpu")
        if ckpt.with_suffix(".json").exists() and not keep.exists():
            shutil.copytree(ckpt.parent, keep)  # the CPU-trained model, for the comparison in the report
        state = {WORD: word}
        for f in entry["files"]:
            state.update({k: v.to(torch.float32) for k, v in _load(src / f).items()})
        _save(state, ckpt.with_suffix(".safetensors"))
        ckpt.with_suffix(".json").write_text(json.dumps(entry["meta"], indent=2))
        if entry["config_key"] is not None:
            (ckpt.parent / "config_key.txt").write_text(entry["config_key"])
        for stale in ("model.json", "model.int8.onnx"):
            (ckpt.parent / stale).unlink(missing_ok=True)  # exported from the CPU-trained weights
        if (ckpt.parent / "model").is_dir():
            shutil.rmtree(ckpt.parent / "model")  # the teacher's export, likewise
        print(f"{name}: {ckpt} ({len(state)} tensors)")
    return write_training_summary(manifest)


def _timing(meta: dict) -> dict:
    return {"steps": meta.get("steps"), "best_step": meta.get("best_step"), "wall_seconds": meta.get("wall_seconds"),
            "best_score": meta.get("best_score"),
            "hardware": recorded_hardware(meta)}


def write_training_summary(manifest: dict) -> dict:
    """reports/gpu-training.json: every GPU run's summary, and the same models' CPU-trained times beside them
    (read from the ``*-cpu`` copies unpack_returns keeps), for the report's CPU-vs-GPU training-time table."""
    cpu = {}
    for name, entry in manifest["checkpoints"].items():
        ckpt = REPO / entry["path"]
        kept = ckpt.parent.with_name(ckpt.parent.name + "-cpu") / ckpt.with_suffix(".json").name
        if kept.exists():
            cpu[name] = {"path": str(kept.relative_to(REPO)), **_timing(json.loads(kept.read_text()))}
    summary = {"format_version": 1,
               "what": "models trained on the lent GPU machine (scripts/gpu_run.sh) and returned by gpu_transfer.py",
               "runs": manifest["runs"],
               "returned": {n: {"path": e["path"], **_timing(e["meta"])} for n, e in manifest["checkpoints"].items()},
               "cpu_reference": cpu}
    (REPORTS / "gpu-training.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


# --- the `gpu-transfer` command ---------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("step", choices=["pack-base", "select-teacher", "pack-returns", "unpack-returns", "summary"])
    p.add_argument("paths", nargs="*", type=Path, help="select-teacher: candidates; pack-returns: OUT then runs; "
                                                       "unpack-returns and summary: the folder the files came back to")


def run(a: argparse.Namespace) -> None:
    if a.step == "pack-base":
        pack_base()
    elif a.step == "select-teacher":
        select_teacher([p.resolve() for p in a.paths])
    elif a.step == "pack-returns":
        pack_returns(a.paths[0], [p.resolve() for p in a.paths[1:]], base_model_dir())
    elif a.step == "unpack-returns":
        unpack_returns(a.paths[0])
    else:  # rewrite reports/gpu-training.json only, from a folder of returned files
        write_training_summary(json.loads((a.paths[0] / "runs.json").read_text()))

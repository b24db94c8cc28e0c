"""The round trip to the lent GPU machine (gpu_transfer.py): what comes back rebuilds the checkpoints.

Real weights: a 2-layer teacher and a 1-layer student made from the pretrained MiniLM as the GPU run makes
them (word table rounded through fp16, frozen), perturbed like a fine-tuned model; no GPU needed.
"""

import json

import pytest
import torch
from safetensors.torch import load_file

from mhelp_pipeline.core.codebook import codebook
from mhelp_pipeline.core.paths import base_model_dir
from mhelp_pipeline.model.checkpoint import save_checkpoint
from mhelp_pipeline.model.multitask import pretrained_model
from mhelp_pipeline.train import gpu_transfer as gt
from mhelp_pipeline.train.distill import DistillConfig, config_key


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    monkeypatch.setattr(gt, "REPO", tmp_path)
    monkeypatch.setattr(gt, "TEACHER_CHECKPOINT", tmp_path / "build/teacher/L6/best")
    monkeypatch.setattr(gt, "STUDENTS_DIR", tmp_path / "build/students")
    monkeypatch.setattr(gt, "REPORTS", tmp_path / "reports")
    (tmp_path / "reports").mkdir()
    monkeypatch.setattr(gt, "PART_BYTES", 2**20)  # force the split on small models
    return tmp_path


def _trained(layers: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    model = pretrained_model(codebook(), layers, freeze_word_embeddings=True)
    with torch.no_grad():
        model.encoder.word.weight.copy_(gt.frozen_word_table(base_model_dir()))
        for n, p in model.named_parameters():
            if n != gt.WORD:
                p.add_(torch.randn(p.shape, generator=g) * 1e-2)
    return model


def test_pack_then_unpack_rebuilds_teacher_and_student(repo):
    teacher, student = _trained(2, 0), _trained(1, 1)
    save_checkpoint(teacher, gt.TEACHER_CHECKPOINT, {"best_score": 0.7, "wall_seconds": 12.0})
    ckpt = gt.STUDENTS_DIR / "L1" / "ckpt"
    save_checkpoint(student, ckpt, {"steps": 5})
    key = config_key(DistillConfig(layers=(1,), device="cuda"), 1)
    (ckpt.parent / "config_key.txt").write_text(key)
    out = repo / "out"
    out.mkdir()

    gt.pack_returns(out, [gt.TEACHER_CHECKPOINT], base_model_dir())
    files = sorted(p.name for p in out.iterdir())
    assert "runs.json" in files and len([f for f in files if f.startswith("teacher.part")]) >= 2
    assert all(p.stat().st_size <= 16 * 2**20 for p in out.iterdir())
    assert gt.WORD not in load_file(str(out / "L1.part0.safetensors"))

    # the CPU-trained models are still in place when the GPU ones arrive
    (ckpt.parent / "model.json").write_text("{}")
    summary = gt.unpack_returns(out)
    assert (repo / "build/teacher/L6-cpu/best.safetensors").exists()
    assert not (ckpt.parent / "model.json").exists()  # stale export removed
    assert (ckpt.parent / "config_key.txt").read_text() == key
    assert json.loads((repo / "reports/gpu-training.json").read_text())["runs"] == summary["runs"]
    for model, path in ((teacher, gt.TEACHER_CHECKPOINT), (student, ckpt)):
        got = load_file(str(path.with_suffix(".safetensors")))
        want = model.state_dict()
        assert set(got) == set(want)
        assert torch.equal(got[gt.WORD], want[gt.WORD])  # rebuilt exactly
        for k in want:  # every other tensor through fp16: relative error <= 2^-11
            assert torch.allclose(got[k], want[k], rtol=2**-10, atol=1e-6), k


def test_pack_refuses_a_trained_word_table(repo):
    teacher = _trained(1, 0)
    with torch.no_grad():
        teacher.encoder.word.weight[5] += 1.0
    save_checkpoint(teacher, gt.TEACHER_CHECKPOINT, {"best_score": 0.7})
    with pytest.raises(RuntimeError, match="word-embedding table changed"):
        gt.pack_returns(repo, [], base_model_dir())


def test_config_key_ignores_device_and_teacher_location():
    a = DistillConfig(layers=(1,), device="cuda", threads=16)
    b = DistillConfig(layers=(1,), device="cpu", threads=2)
    assert config_key(a, 1) == config_key(b, 1)
    assert config_key(a, 1) != config_key(DistillConfig(layers=(1,), steps=7), 1)
    assert json.loads(config_key(a, 1))["teacher"] == "build/teacher/L6/best"

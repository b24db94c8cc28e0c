"""Arithmetic of the distillation loss (distill.py) on hand-made logits, and the student's start from the
teacher; no data, < 1 s."""

import numpy as np
import pytest
import torch

from mhelp_pipeline.core.codebook import IGNORE, codebook
from mhelp_pipeline.model.checkpoint import save_checkpoint
from mhelp_pipeline.model.multitask import MultiTaskModel, config_for
from mhelp_pipeline.train.distill import distill_loss, init_from_teacher, soft_losses
from mhelp_pipeline.train.trainer import task_losses


def _np_softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _logits(cb, n, seed):
    g = torch.Generator().manual_seed(seed)
    return {t.key: torch.randn(n, t.n, generator=g, dtype=torch.float64) * 2 for t in cb.tasks}


def _batch(cb, n):
    """help_seeking labelled on rows 0-1 only, causes known on row 2 only, every other head unlabelled."""
    single = {t.key: torch.full((n,), IGNORE) for t in cb.tasks if t.kind == "single_label"}
    single["help_seeking"][:2] = torch.tensor([1, 0])
    multi = {t.key: torch.zeros(n, t.n, dtype=torch.float64) for t in cb.tasks if t.kind == "multi_label"}
    mask = {k: torch.zeros_like(v) for k, v in multi.items()}
    multi["causes"][2, 0] = 1.0
    mask["causes"][2] = 1.0
    return {"single": single, "multi": multi, "multi_mask": mask}


def test_soft_single_label_is_t_squared_kl_teacher_to_student():
    cb = codebook()
    s, z, T = _logits(cb, 4, 0), _logits(cb, 4, 1), 2.0
    got = soft_losses(cb, s, z, T)["condition"].item()
    ps, pt = _np_softmax(s["condition"].numpy() / T), _np_softmax(z["condition"].numpy() / T)
    want = T**2 * np.mean(np.sum(pt * (np.log(pt) - np.log(ps)), axis=1))  # KL(teacher || student), batch mean
    assert got == pytest.approx(want, rel=1e-9)


def test_soft_multi_label_is_bce_against_teacher_sigmoid_without_temperature():
    cb = codebook()
    s, z = _logits(cb, 3, 2), _logits(cb, 3, 3)
    got = soft_losses(cb, s, z, 5.0)["causes"].item()  # T must not change a multi-label head
    q, p = 1 / (1 + np.exp(-z["causes"].numpy())), 1 / (1 + np.exp(-s["causes"].numpy()))
    assert got == pytest.approx(np.mean(-(q * np.log(p) + (1 - q) * np.log(1 - p))), rel=1e-9)


def test_soft_loss_is_minimal_where_student_equals_teacher():
    cb = codebook()
    z = _logits(cb, 3, 4)
    s = {k: v.clone().requires_grad_(True) for k, v in z.items()}
    soft = soft_losses(cb, s, z, 2.0)
    assert soft["condition"].item() == pytest.approx(0.0, abs=1e-12)
    sum(soft.values()).backward()
    for k, v in s.items():  # zero gradient for KL and for BCE with the teacher's own probabilities
        assert v.grad.abs().max().item() < 1e-12, k


def test_total_mixes_soft_and_masked_hard_with_task_weights():
    cb = codebook()
    n = 4
    s, z, b = _logits(cb, n, 5), _logits(cb, n, 6), _batch(cb, n)
    w = {t.key: torch.ones(t.n, dtype=torch.float64) for t in cb.tasks}
    task_w = {t.key: 1.0 if t.primary else 0.5 for t in cb.tasks}
    soft, hard = soft_losses(cb, s, z, 2.0), task_losses(cb, s, b, w)
    assert set(hard) == {"help_seeking", "causes"}  # only heads with a label in the batch
    for alpha in (0.0, 0.3, 1.0):
        total, parts = distill_loss(cb, s, z, b, w, task_w, alpha, 2.0)
        want = sum(task_w[k] * (alpha * soft[k] + (1 - alpha) * hard.get(k, 0.0)) for k in soft)
        assert total.item() == pytest.approx(float(want), rel=1e-12)
    # hard help_seeking = CE over the two labelled rows only
    ls = torch.log_softmax(s["help_seeking"][:2], -1)
    assert hard["help_seeking"].item() == pytest.approx(-(ls[0, 1] + ls[1, 0]).item() / 2, rel=1e-12)
    # every head is distilled on every example even where no hard label exists
    assert parts["soft"] == pytest.approx(sum(task_w[k] * v.item() for k, v in soft.items()), rel=1e-12)


def test_student_starts_from_the_teachers_first_layers_and_heads(tmp_path):
    cb = codebook()
    torch.manual_seed(0)
    teacher = MultiTaskModel(config_for(cb, layers=2))
    save_checkpoint(teacher, tmp_path / "t", {})
    torch.manual_seed(1)
    student = MultiTaskModel(config_for(cb, layers=1))
    t, s = teacher.state_dict(), student.state_dict()
    layer0 = [k for k in s if k.startswith("encoder.layers.0.")]
    assert layer0 and not torch.equal(s[layer0[0]], t[layer0[0]])  # different before
    n = init_from_teacher(student, tmp_path / "t")
    s = student.state_dict()
    assert n == len(s)  # everything the student has exists in the teacher with the same shape
    for k in s:
        assert torch.equal(s[k], t[k]), k
    assert not any(k.startswith("encoder.layers.1.") for k in s)  # the teacher's second layer has no place

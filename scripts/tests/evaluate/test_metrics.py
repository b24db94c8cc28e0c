"""The issue's metric set (metrics.py, shared definitions with src/cli/metrics.ts) against scikit-learn
and a hand-computed case."""

import numpy as np
import pytest

from mhelp_pipeline.core.codebook import IGNORE, codebook
from mhelp_pipeline.evaluate.metrics import auroc, issue_metrics, labelled_rows, weighted_f1_multi, weighted_f1_single

sk = pytest.importorskip("sklearn.metrics")


def test_auroc_matches_sklearn_with_ties():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 5, 200) / 4.0  # many ties
    y = (rng.random(200) < 0.4).astype(int)
    assert auroc(s, y) == pytest.approx(sk.roc_auc_score(y, s), abs=1e-12)
    assert auroc([0.1, 0.9, 0.9, 0.3], [0, 1, 0, 1]) == 0.625
    assert np.isnan(auroc([0.2, 0.3], [1, 1]))


def test_weighted_f1_matches_sklearn():
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    assert weighted_f1_single(4, p, y) == pytest.approx(sk.f1_score(y, p, average="weighted"), abs=1e-12)
    Y, P = rng.integers(0, 2, (100, 3)), rng.integers(0, 2, (100, 3))
    assert weighted_f1_multi(P, Y, np.ones_like(Y)) == pytest.approx(sk.f1_score(Y, P, average="weighted"), abs=1e-12)


def test_issue_metrics_hand_case_shared_with_typescript():
    """The case of test/cli/eval.test.ts: both languages must give these hand-computed numbers."""
    cb = codebook()
    hs, cond, cau = cb.task("help_seeking"), cb.task("condition"), cb.task("causes")
    m = issue_metrics(hs, np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0]), score=np.array([0.9, 0.6, 0.4, 0.2]))
    assert (m["precision"], m["recall"], m["f1"], m["auroc"], m["accuracy"]) == (0.5, 0.5, 0.5, 0.75, 0.5)
    ix = cond.index
    m = issue_metrics(cond, np.array([ix("anxiety"), ix("none"), ix("anxiety"), ix("anxiety")]),
                      np.array([ix("anxiety"), ix("none"), ix("depression"), ix("anxiety")]))
    assert m["accuracy"] == 0.75 and m["macro_f1"] == pytest.approx(0.6)
    L = list(cau.labels)
    y = np.zeros((4, len(L)), int)
    mask = np.zeros((4, len(L)), int)
    pred = np.zeros((4, len(L)), int)
    y[0, L.index("work")] = 1
    mask[0], mask[1] = 1, 1  # gold lists: every label known
    y[2, L.index("family")], mask[2, L.index("family")], mask[2, L.index("work")] = 1, 1, 1  # partial weak labels
    pred[0, [L.index("work"), L.index("school")]] = 1
    pred[2, L.index("family")] = 1
    pred[3, L.index("grief")] = 1  # post 4 has no causes label: ignored
    m = issue_metrics(cau, pred, y, mask)
    assert m["n"] == 3 and m["micro_f1"] == pytest.approx(0.8) and m["macro_f1"] == 1.0


def test_labelled_rows_are_known_labels_or_any_known_entry():
    assert labelled_rows(np.array([1, IGNORE, 0]), None).tolist() == [0, 2]
    assert labelled_rows(None, np.array([[0, 0], [0, 1], [1, 1]])).tolist() == [1, 2]

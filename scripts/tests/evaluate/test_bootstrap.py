"""Bootstrap intervals, the paired test and the resampled metric, on synthetic numbers."""

import numpy as np
import pytest

from mhelp_pipeline.core.codebook import codebook
from mhelp_pipeline.evaluate.bootstrap import BootstrapConfig, bootstrap_ci, paired_bootstrap, resampled_metric
from mhelp_pipeline.evaluate.metrics import issue_metrics


def test_bootstrap_ci_of_a_mean():
    x = np.random.default_rng(2).normal(0.0, 1.0, 400)
    r = bootstrap_ci(lambda ix: float(x[ix].mean()), len(x), BootstrapConfig(resamples=1000, seed=0))
    half = 1.96 * x.std() / np.sqrt(len(x))
    assert r["ci_low"] < x.mean() < r["ci_high"]
    assert (r["ci_high"] - r["ci_low"]) / 2 == pytest.approx(half, rel=0.15)
    assert r == bootstrap_ci(lambda ix: float(x[ix].mean()), len(x), BootstrapConfig(resamples=1000, seed=0))


def test_paired_bootstrap_identical_and_clearly_better():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, 300)
    a = truth.copy()  # always right
    b = np.where(rng.random(300) < 0.3, 1 - truth, truth)  # 30 % wrong
    acc = lambda p: (lambda ix: float((p[ix] == truth[ix]).mean()))  # noqa: E731
    same = paired_bootstrap(acc(b), acc(b), 300)
    assert same["diff"] == 0 and same["p_value"] == 1.0
    better = paired_bootstrap(acc(a), acc(b), 300)
    assert better["diff"] == pytest.approx(1 - (b == truth).mean())
    assert better["ci_low"] > 0 and better["p_value"] < 0.01


def test_resampled_metric_scores_the_resampled_labelled_rows():
    cb = codebook()
    hs = cb.task("help_seeking")
    pred, y, score = np.array([1, 0, 1, 0, 1]), np.array([1, 0, 0, 1, 1]), np.array([0.9, 0.1, 0.6, 0.4, 0.8])
    rows = np.array([0, 2, 3, 4])  # row 1 unlabelled
    f1 = resampled_metric(hs, "f1", pred, y, None, score, rows)
    assert f1(np.arange(4)) == issue_metrics(hs, pred[rows], y[rows])["f1"]
    assert f1(np.array([0, 0, 1])) == issue_metrics(hs, pred[[0, 0, 2]], y[[0, 0, 2]])["f1"]
    auc = resampled_metric(hs, "auroc", pred, y, None, score, rows)
    assert auc(np.arange(4)) == issue_metrics(hs, pred[rows], y[rows], score=score[rows])["auroc"]
    assert np.isnan(auc(np.array([0, 0])))  # one class only: no AUROC, dropped by the bootstrap

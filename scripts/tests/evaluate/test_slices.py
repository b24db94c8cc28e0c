"""Slicing arithmetic of slices.py on synthetic data written for the test (no model, no corpus); < 5 s."""

import json

import numpy as np
import pytest

from mhelp_pipeline.core.codebook import IGNORE, codebook
from mhelp_pipeline.evaluate.bootstrap import BootstrapConfig
from mhelp_pipeline.evaluate.metrics import issue_metrics
from mhelp_pipeline.evaluate.slices import (LENGTH_BUCKETS, SliceConfig, TaskData, length_bucket, metrics_by_slice,
                                            source_slice, windows_for)

FAST = SliceConfig(min_n_for_ci=30, bootstrap=BootstrapConfig(resamples=50))


def test_length_buckets_edges_and_windows():
    edges = {0: "<=64", 64: "<=64", 65: "65-126", 126: "65-126", 127: "127-254", 254: "127-254", 255: ">=255",
             10_000: ">=255"}
    assert {n: length_bucket(n) for n in edges} == edges
    with pytest.raises(ValueError):
        length_bucket(-1)
    # the cut at 126/127 is where the engine goes from one window to several (max_length 128)
    assert windows_for(126, 128, 32) == 1 and windows_for(127, 128, 32) == 2 and windows_for(0, 128, 32) == 1
    assert [k for k, _, _ in LENGTH_BUCKETS] == ["<=64", "65-126", "127-254", ">=255"]


def test_source_slice_names_subreddits_only_for_reddit_rows():
    assert source_slice("reddit-depression") == "r/depression"
    assert source_slice("dreaddit") == "dreaddit" and source_slice("kaggle-suicide") == "kaggle-suicide"


def _synthetic():
    """40 posts in slice A (both classes), 10 in B (too small), 20 in C (no 'yes'); some unlabelled."""
    cb = codebook()
    hs, cau = cb.task("help_seeking"), cb.task("causes")
    rng = np.random.default_rng(0)
    keys = ["A"] * 40 + ["B"] * 10 + ["C"] * 20
    y = np.concatenate([rng.integers(0, 2, 40), rng.integers(0, 2, 10), np.zeros(20, int)])
    y[[3, 45]] = IGNORE  # unlabelled posts count in "posts", not in n
    score = np.clip(0.5 * (y == 1) + rng.random(70) * 0.6, 0, 1)
    pred = (score >= 0.5).astype(int)
    n_lab = cau.n
    Y = rng.integers(0, 2, (70, n_lab))
    M = np.zeros((70, n_lab))
    M[:35, :2] = 1  # causes known only for the first 35 posts (all in A)
    P = rng.integers(0, 2, (70, n_lab))
    return keys, TaskData(hs, pred, y, None, score), TaskData(cau, P, Y, M)


def test_metrics_by_slice_matches_metrics_on_the_subset():
    keys, hs, cau = _synthetic()
    res = metrics_by_slice(keys, [hs, cau], FAST)
    assert list(res) == ["A", "C", "B"]  # largest first
    a = res["A"]
    assert a["posts"] == 40 and a["help_seeking"]["n"] == 39
    rows = np.array([i for i in range(40) if i != 3])
    ref = issue_metrics(hs.task, hs.pred[rows], hs.y[rows], score=hs.score[rows])
    assert a["help_seeking"]["f1"] == ref["f1"] and a["help_seeking"]["auroc"] == ref["auroc"]
    assert a["help_seeking"]["positives"] == int((hs.y[rows] == 1).sum())
    ci = a["help_seeking"]["headline_ci"]
    assert ci["value"] == ref["f1"] and ci["ci_low"] <= ci["value"] <= ci["ci_high"]
    assert a["causes"]["n"] == 35 and "value" in a["causes"]["headline_ci"]
    json.dumps(res, allow_nan=False)  # nan never reaches slices.json


def test_small_one_class_and_empty_slices_are_flagged_not_scored():
    keys, hs, cau = _synthetic()
    res = metrics_by_slice(keys, [hs, cau], FAST)
    b, c = res["B"], res["C"]
    assert b["help_seeking"]["n"] == 9 and b["help_seeking"]["headline_ci"] == {"note": "n too small"}
    assert c["help_seeking"]["positives"] == 0 and c["help_seeking"]["f1"] is None
    assert c["help_seeking"]["auroc"] is None  # one class: AUROC undefined
    assert c["help_seeking"]["headline_ci"] == {"note": "no positive labels"}
    assert b["causes"] == {"n": 0} and c["causes"] == {"n": 0}


def test_causes_without_positives_or_negatives_are_marked():
    """All-zero cause labels (a 'no concern' source): micro-F1 undefined, the FP rate is what is left.
    Positive-only labels: no known negative, so the slice records that its micro-F1 is a recall."""
    cau = codebook().task("causes")
    n, k = 40, cau.n
    y, mask, pred = np.zeros((n, k)), np.ones((n, k)), np.zeros((n, k), int)
    pred[:4, 0] = 1
    zero = metrics_by_slice(["Z"] * n, [TaskData(cau, pred, y, mask)], FAST)["Z"]["causes"]
    assert zero["micro_f1"] is None and zero["positives"] == 0 and zero["false_positive_rate"] == 4 / (n * k)
    y2, m2 = np.zeros((n, k)), np.zeros((n, k))
    y2[:, 1] = m2[:, 1] = 1  # one known, positive label per post
    pos = metrics_by_slice(["P"] * n, [TaskData(cau, pred, y2, m2)], FAST)["P"]["causes"]
    assert pos["known_negatives"] == 0 and pos["false_positive_rate"] is None and pos["micro_f1"] == 0.0


def test_explicit_order_keeps_empty_buckets_out():
    keys, hs, cau = _synthetic()
    res = metrics_by_slice(keys, [hs], FAST, order=lambda present: [k for k in ("C", "B", "A", "Z") if k in present])
    assert list(res) == ["C", "B", "A"]

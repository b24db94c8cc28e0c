"""Arithmetic of the evidence tools: metrics (shared definitions with src/cli/metrics.ts), bootstrap and the
paired test, ECE, floors and the ablation's batching. Small synthetic data written for the test; < 30 s."""

import json
import random

import numpy as np
import pytest

from mhelp_pipeline.bootstrap import BootstrapConfig, bootstrap_ci, paired_bootstrap
from mhelp_pipeline.codebook import codebook
from mhelp_pipeline.metrics import IGNORE, auroc, issue_metrics, weighted_f1_multi, weighted_f1_single
from mhelp_pipeline.reliability import ece

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


def test_ece_hand_values():
    # two bins: confidences 0.25 (correct 1 of 2) and 0.95 (correct 2 of 2)
    assert ece([0.25, 0.25, 0.95, 0.95], [1, 0, 1, 1], bins=10) == pytest.approx(0.5 * 0.25 + 0.5 * 0.05)
    assert ece([1.0, 1.0], [1, 1], bins=15) == 0.0


def _tiny_corpus(tmp_path, n=120):
    """Help-seeking posts vs plain statements, written for the test; condition follows a keyword."""
    rng = random.Random(0)
    asks = ["can anyone help me", "any advice please", "what should i do", "how do i cope"]
    says = ["had a nice walk today", "finished my book", "cooked pasta tonight", "the weather is mild"]
    rows = []
    for i in range(n):
        yes = i % 2 == 0
        text = f"{rng.choice(asks if yes else says)} {rng.choice(['panic', 'sad', 'fine'])} {i}"
        cond = "anxiety" if "panic" in text else "depression" if "sad" in text else "none"
        rows.append({"id": str(i), "source": "test", "group": str(i), "text": text,
                     "labels": {"help_seeking": "yes" if yes else "no", "condition": cond,
                                "causes": {"work": int(i % 3 == 0)}}, "provenance": {}})
    for split, part in (("train", rows[: n * 3 // 4]), ("dev", rows[n * 3 // 4 :])):
        (tmp_path / f"{split}.jsonl").write_text("\n".join(json.dumps(r) for r in part) + "\n")
    return tmp_path


def test_floors_beat_majority_on_separable_data(tmp_path):
    from mhelp_pipeline.floors import FloorConfig, floors

    d = _tiny_corpus(tmp_path)
    res = floors(FloorConfig(min_df=1, bootstrap=BootstrapConfig(resamples=50)), corpus_dir=d,
                 out=tmp_path / "floors.json", log=lambda m: None)
    hs = res["tasks"]["help_seeking"]
    assert hs["majority"]["f1"] in (0.0, pytest.approx(2 / 3, abs=0.2))  # a constant: all-no or all-yes
    assert hs["tfidf_lr"]["f1"] == 1.0 and hs["tfidf_lr"]["auroc"] == 1.0
    cond = res["tasks"]["condition"]
    assert cond["tfidf_lr"]["accuracy"] >= cond["majority"]["accuracy"] + 0.3
    assert res["tasks"]["dr_depression"]["tfidf_lr"] == {"n": 0}  # no labels: recorded, not crashed
    assert json.loads((tmp_path / "floors.json").read_text())["tasks"]["help_seeking"]["tfidf_lr"]["headline"]["metric"] == "f1"


def test_ablation_batches_are_full_and_from_the_pool():
    from mhelp_pipeline.ablation import AblationConfig, _batches
    from mhelp_pipeline.batching import Encoded

    enc = Encoded(ids=[[101] + [7] * (i % 9) + [102] for i in range(50)], single={}, multi={}, multi_mask={},
                  sources=["t"] * 50)
    pool = np.arange(0, 50, 2)
    it = _batches(enc, pool, AblationConfig(batch_size=4), random.Random(0))
    seen = [next(it) for _ in range(20)]  # more than one pass over the pool
    assert all(len(b) == 4 for b in seen)
    assert set(i for b in seen for i in b) <= set(pool.tolist())

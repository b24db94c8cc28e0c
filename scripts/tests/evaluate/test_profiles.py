"""The operating points (profiles.py): the threshold rules on a synthetic example, and cross-fitting that
chooses each held-out fold's threshold without it."""

import numpy as np

from mhelp_pipeline.evaluate.profiles import PROFILES, cross_fit, model_block, profiles_of, select_thresholds

# 10 posts: p(yes) and gold (1 = yes); 5 yes
P = np.array([0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95])
Y = np.array([0, 1, 0, 0, 1, 0, 1, 1, 0, 1])


def prf(p, y, t):
    yes = p >= t
    tp = (yes & (y == 1)).sum()
    return tp / max(yes.sum(), 1), tp / (y == 1).sum(), 2 * tp / (yes.sum() + (y == 1).sum())


def test_rules_on_a_synthetic_example():
    th, rule = select_thresholds(P, Y)
    # high_recall: recall >= 0.95 needs every yes post, the lowest at 0.15 -> the largest such threshold is 0.15
    assert th["high_recall"] == 0.15 and prf(P, Y, 0.15)[1] == 1.0 and prf(P, Y, 0.151)[1] < 0.95
    # balanced: F1 is highest at t in (0.35, 0.45] (6 said yes, 4 right: F1 = 8/11); the smallest such grid point
    assert th["balanced"] == 0.351 and abs(prf(P, Y, 0.351)[2] - 8 / 11) < 1e-12
    assert prf(P, Y, 0.351)[2] == max(prf(P, Y, t)[2] for t in np.arange(1, 1000) / 1000)
    # high_precision: precision 1.0 first at t in (0.85, 0.95] -> 0.851
    assert th["high_precision"] == 0.851 and rule["high_precision"].startswith("smallest threshold")
    assert set(th) == set(PROFILES)


def test_high_precision_falls_back_when_unreachable():
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    y = np.array([0, 1, 0, 1, 0, 1, 1, 0])  # the top post is a no: precision never reaches 0.9
    th, rule = select_thresholds(p, y)
    assert "unreachable" in rule["high_precision"]
    # max precision with recall >= 0.2 (at least 1 of 4 yes): (0.6, 0.7] -> 1/2, (0.5, 0.6] -> 2/3, (0.4, 0.5] -> 2/4,
    # (0.3, 0.4] -> 3/5, ...; the best is 2/3, at its smallest grid point 0.501
    assert th["high_precision"] == 0.501


def test_cross_fit_never_uses_the_held_out_fold():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.clip(0.5 * y + rng.normal(0.25, 0.2, 200), 0, 1)
    folds = np.arange(200) % 5
    yes, per_fold = cross_fit(p, y, folds)
    for f, fold in enumerate(per_fold):
        held = folds == f
        assert fold["thresholds"] == select_thresholds(p[~held], y[~held])[0]
        for name in PROFILES:
            assert np.array_equal(yes[name][held], p[held] >= fold["thresholds"][name])
    r = profiles_of(p, y, folds, 0.5)
    block = model_block({**r, "gold_posts": 200}, 5)
    assert block["default"] == "balanced" and block["thresholds"] == r["thresholds"]
    for name in PROFILES:
        c = block["cross_fitted"][name]
        assert c["precision_ci"][0] <= c["precision"] <= c["precision_ci"][1]

"""Calibration (calibrate.py): temperature and threshold fitting, and whole-post calibration (aggregation
choice, thresholds on aggregated probabilities), on numbers written for the test."""

import numpy as np
import pytest

from mhelp_pipeline.core.codebook import IGNORE, codebook
from mhelp_pipeline.evaluate.metrics import logit_metrics
from mhelp_pipeline.export.calibrate import (CalibrationConfig, best_f1_threshold, calibrate_posts, fit_temperature,
                                             labels_budget_thresholds, probs_as_logits)


class _Enc:  # the fields of batching.Encoded that logit_metrics reads
    def __init__(self, single, multi, mask):
        self.single, self.multi, self.multi_mask = single, multi, mask


def _posts(rng, n):
    """Help-seekers whose request sits in a *later* window (first window looks like venting), and
    non-seekers whose every window looks like venting: only max aggregation separates them."""
    cb = codebook()
    windows, weights, help_y = [], [], []
    for i in range(n):
        seeker = i % 2 == 0
        k = 3
        help_logits = np.tile([1.0, -1.0], (k, 1)) + rng.normal(0, 0.1, (k, 2))
        if seeker:
            help_logits[-1] = [-2.0, 2.0]  # the request, in a short last window
        w = {t.key: rng.normal(0, 1, (k, t.n)) for t in cb.tasks}
        w["help_seeking"] = help_logits
        windows.append(w)
        weights.append([126, 126, 20])
        help_y.append(1 if seeker else 0)
    single = {t.key: [IGNORE] * n for t in cb.tasks if t.kind == "single_label"}
    single["help_seeking"] = help_y
    multi = {t.key: [[0.0] * t.n for _ in range(n)] for t in cb.tasks if t.kind == "multi_label"}
    mask = {t.key: [[0.0] * t.n for _ in range(n)] for t in cb.tasks if t.kind == "multi_label"}
    return cb, windows, weights, single, multi, mask


def test_binary_head_chooses_max_when_requests_sit_in_later_windows():
    cb, windows, weights, single, multi, mask = _posts(np.random.default_rng(0), 40)
    cal = calibrate_posts(cb, windows, weights, single, multi, mask)
    h = cal["help_seeking"]
    assert h["aggregation"] == "max"
    assert h["aggregation_f1"]["max"] == 1.0 and h["aggregation_f1"]["token_mean"] < 1.0
    assert h["probs"].shape == (40, 2)
    # the returned probabilities, through evaluate, reproduce the F1 the choice was made on
    m = logit_metrics(cb, probs_as_logits(cb, {k: v["probs"] for k, v in cal.items()}), _Enc(single, multi, mask),
                 {k: v["thresholds"] for k, v in cal.items()})
    assert m["help_seeking"]["f1_yes"] == 1.0
    assert cal["condition"]["aggregation"] == "token_mean" and cal["condition"]["thresholds"] is None
    assert cal["causes"]["aggregation"] == "max"


def test_probs_as_logits_round_trips():
    cb = codebook()
    rng = np.random.default_rng(1)
    probs = {}
    for t in cb.tasks:
        p = rng.uniform(0.01, 0.99, (5, t.n))
        probs[t.key] = p / p.sum(1, keepdims=True) if t.kind == "single_label" else p
    z = probs_as_logits(cb, probs)
    for t in cb.tasks:
        back = (np.exp(z[t.key]) / np.exp(z[t.key]).sum(1, keepdims=True) if t.kind == "single_label"
                else 1 / (1 + np.exp(-z[t.key])))
        assert np.allclose(back, probs[t.key])


def test_temperature_recovers_scale():
    rng = np.random.default_rng(0)
    task = codebook().task("help_seeking")
    true = rng.normal(size=(4000, 2)) * 2
    y = np.array([rng.choice(2, p=np.exp(r) / np.exp(r).sum()) for r in true])
    t = fit_temperature(task, true * 3.0, y)  # logits 3x over-confident -> T close to 3
    assert 2.5 < t < 3.6


def test_threshold_maximises_f1():
    p = np.array([0.1, 0.2, 0.35, 0.4, 0.8, 0.9, 0.3, 0.05])
    y = np.array([0, 0, 1, 1, 1, 1, 0, 0])
    t = best_f1_threshold(p, y, CalibrationConfig(min_positives=1))
    assert 0.3 < t <= 0.35


def test_post_level_temperature_calibrates_what_max_aggregation_reports():
    """With max aggregation the first window's temperature over-states p(yes) of many-window posts; fitting the
    temperature on the aggregated post probabilities (GOLD_CALIBRATION) lowers their NLL, and max's choice of
    window does not depend on the temperature, so the posts' order by p(yes) stays the same."""
    from mhelp_pipeline.export.calibrate import GOLD_CALIBRATION, post_nll
    from mhelp_pipeline.runtime.inference import Head, post_probabilities

    rng = np.random.default_rng(3)
    cb, windows, weights, single, multi, mask = _posts(rng, 80)
    y = np.asarray(single["help_seeking"])
    for w, yi in zip(windows, y):  # the first window is informative; 4 noisy windows push every post's max up
        first_window = [[0.0, (2.0 if yi else -2.0) + rng.normal(0, 1.5)]]
        w["help_seeking"] = np.vstack([first_window, np.column_stack([np.zeros(4), rng.normal(0, 2.0, 4)])])
        for t in cb.tasks:
            if t.key != "help_seeking":
                w[t.key] = rng.normal(0, 1, (5, t.n))
    weights = [[126] * 5 for _ in windows]
    first = calibrate_posts(cb, windows, weights, single, multi, mask)
    posts = calibrate_posts(cb, windows, weights, single, multi, mask, GOLD_CALIBRATION)
    t = cb.task("help_seeking")

    def nll(c):
        h = Head(t.key, t.kind, list(t.labels), c["temperature"], None, c["aggregation"])
        return post_nll(t, post_probabilities(h, [w["help_seeking"] for w in windows], weights), y, None)

    assert nll(posts["help_seeking"]) < nll(first["help_seeking"])
    # under max, the temperature does not change which posts rank above which (only the threshold grid can differ)
    rank = lambda c: np.argsort(post_probabilities(Head(t.key, t.kind, list(t.labels), c["temperature"], None, "max"),  # noqa: E731
                                                   [w["help_seeking"] for w in windows], weights)[:, 1], kind="stable")
    assert posts["help_seeking"]["temperature"] != first["help_seeking"]["temperature"]
    assert np.array_equal(rank(posts["help_seeking"]), rank(first["help_seeking"]))


def test_labels_budget_keeps_the_head_within_its_count_at_the_best_macro_f1():
    cfg = CalibrationConfig()
    rng = np.random.default_rng(1)
    n = 400
    y = (rng.random((n, 3)) < [0.3, 0.1, 0.1]).astype(float)
    mask = np.ones_like(y)
    # label 0 separates well; labels 1 and 2 are noisy, so their best-F1 thresholds over-predict
    p = np.clip(np.column_stack([0.2 + 0.6 * y[:, 0], 0.35 + 0.3 * y[:, 1], 0.35 + 0.3 * y[:, 2]])
                + rng.normal(0, [0.1, 0.2, 0.2], (n, 3)), 0, 1)
    free = [best_f1_threshold(p[:, i], y[:, i], cfg) for i in range(3)]
    free_count = sum((p[:, i] >= t).sum() for i, t in enumerate(free))
    ratio = 0.7 * free_count / y.sum()  # a budget the plain fit exceeds
    th = labels_budget_thresholds(p, y, mask, cfg, ratio)
    assert sum((p[:, i] >= t).sum() for i, t in enumerate(th)) <= ratio * y.sum()
    assert all(a >= b for a, b in zip(th, free))  # only raised
    f1 = lambda i, t: 2 * ((p[:, i] >= t) & (y[:, i] > 0)).sum() / ((p[:, i] >= t).sum() + (y[:, i] > 0).sum())  # noqa: E731
    # the same total spent as capping each label on its own (its best F1 among the thresholds predicting at most
    # ratio times its positives) would, for at least that macro-F1
    def capped_threshold(i):
        allowed = [t for t in cfg.threshold_grid if (p[:, i] >= t).sum() <= ratio * y[:, i].sum()]
        return max(allowed, key=lambda t: (f1(i, t), -abs(t - 0.5))) if allowed else 0.5
    capped = [capped_threshold(i) for i in range(3)]
    assert sum((p[:, i] >= t).sum() for i, t in enumerate(capped)) <= ratio * y.sum()
    assert sum(f1(i, t) for i, t in enumerate(th)) >= sum(f1(i, t) for i, t in enumerate(capped)) - 1e-9
    # a generous budget changes nothing
    assert labels_budget_thresholds(p, y, mask, cfg, 10.0) == free


def test_post_calibration_knots_are_the_isotonic_steps_centroids():
    from sklearn.isotonic import IsotonicRegression

    from mhelp_pipeline.export.calibrate import fit_post_calibration
    from mhelp_pipeline.runtime.inference import interpolate

    rng = np.random.default_rng(1)
    p = rng.random(400)
    y = (rng.random(400) < p ** 2).astype(float)  # p over-predicts: the map must pull it down
    k = fit_post_calibration(p, y)
    # strictly increasing between steps: the posts keep their order between the first and the last knot
    assert all(b > a for a, b in zip(k["x"], k["x"][1:])) and all(b > a for a, b in zip(k["y"], k["y"][1:]))
    assert 2 <= len(k["x"]) < 40 and 0.0 <= min(k["y"]) and max(k["y"]) <= 1.0
    ir = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(p, y)
    assert np.abs(ir.predict(np.array(k["x"])) - np.array(k["y"])).max() < 1e-5  # each knot: its step's value
    q = np.array([interpolate(k["x"], k["y"], v) for v in p])
    assert abs(q.mean() - y.mean()) < 0.01 < abs(p.mean() - y.mean())  # calibrated in the large
    assert fit_post_calibration(p, np.zeros(400)) is None and fit_post_calibration(np.full(5, 0.3), y[:5]) is None


def test_a_pseudo_count_keeps_the_map_off_0_and_1_and_never_decreasing():
    from sklearn.isotonic import IsotonicRegression

    from mhelp_pipeline.export.calibrate import fit_post_calibration

    rng = np.random.default_rng(2)
    p = rng.uniform(0.02, 0.98, 300)
    y = (p > 0.5).astype(float)  # separable: plain isotonic regression maps the lower half to 0, the upper to 1
    plain, shrunk = fit_post_calibration(p, y), fit_post_calibration(p, y, pseudo_count=1.0)
    assert plain["y"][0] == 0.0 and plain["y"][-1] == 1.0
    assert 0.0 < shrunk["y"][0] < 0.01 and 0.99 < shrunk["y"][-1] < 1.0
    assert shrunk["x"] == plain["x"]
    # each step: (n v + a p) / (n + a), its n posts' share of positives v and their mean p
    fitted = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(p, y).predict(np.sort(p))
    low = np.sort(p)[fitted == 0.0]
    assert shrunk["y"][0] == pytest.approx(low.mean() / (len(low) + 1), abs=1e-6)
    # a large step far above its p (100 posts at p 0.1, 80 % positive), then a one-post step (p 0.15, positive):
    # shrunk, the second would fall below the first (8.5 / 51 < 85 / 150); the running maximum keeps it level
    k = fit_post_calibration(np.r_[np.full(100, 0.1), 0.15], np.r_[np.ones(80), np.zeros(20), 1.0], pseudo_count=50.0)
    assert k["x"] == [0.1, 0.15] and k["y"] == [pytest.approx(85 / 150, abs=1e-6)] * 2


def test_calibrate_posts_fits_the_map_and_the_threshold_on_the_mapped_p():
    from mhelp_pipeline.runtime.inference import Head, post_probabilities

    rng = np.random.default_rng(0)
    cb, windows, weights, single, multi, mask = _posts(rng, 60)
    plain = calibrate_posts(cb, windows, weights, single, multi, mask, CalibrationConfig(temperature_fit="posts"))
    mapped = calibrate_posts(cb, windows, weights, single, multi, mask,
                             CalibrationConfig(temperature_fit="posts", post_calibration=True))
    assert plain["help_seeking"]["post_calibration"] is None
    for k in ("condition", "causes"):  # only binary single-label heads get a map
        assert mapped[k].get("post_calibration") is None
        assert np.array_equal(mapped[k]["probs"], plain[k]["probs"])
    c, t = mapped["help_seeking"], cb.task("help_seeking")
    assert c["temperature"] == plain["help_seeking"]["temperature"] and c["post_calibration"] is not None
    h = Head(t.key, t.kind, list(t.labels), c["temperature"], c["thresholds"], c["aggregation"], c["post_calibration"])
    p = post_probabilities(h, [w["help_seeking"] for w in windows], weights)
    assert np.allclose(p, c["probs"]) and np.allclose(p.sum(1), 1)
    y = np.asarray(single["help_seeking"])
    assert c["thresholds"] == [best_f1_threshold(p[:, 1], y, CalibrationConfig())]

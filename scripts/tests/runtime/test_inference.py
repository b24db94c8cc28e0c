"""Windowing and post-processing (the Python reference of the engine), on hand-made numbers."""

import numpy as np
import pytest

from mhelp_pipeline.runtime.inference import (Head, aggregate, content_windows, decide, post_probabilities, window_probs,
                                              wrap)


def test_windows_short_and_empty():
    assert content_windows([], 128, 32) == [[]]
    assert content_windows([5, 6, 7], 128, 32) == [[5, 6, 7]]
    assert wrap([], 101, 102) == [101, 102]


def test_windows_exact_fit_is_one_window():
    ids = list(range(126))
    assert content_windows(ids, 128, 32) == [ids]


def test_windows_overlap_and_cover_everything():
    ids = list(range(1000, 1300))  # 300 tokens, window 126, step 94
    wins = content_windows(ids, 128, 32)
    assert [len(w) for w in wins] == [126, 126, 112]
    assert wins[0][0] == 1000 and wins[-1][-1] == 1299
    for a, b in zip(wins, wins[1:]):
        assert a[-32:] == b[:32]  # consecutive windows overlap by `stride` tokens
    assert sorted(set(t for w in wins for t in w)) == ids


def test_windows_one_token_over():
    wins = content_windows(list(range(127)), 128, 32)
    assert [len(w) for w in wins] == [126, 33]


def test_windows_rejects_bad_stride():
    with pytest.raises(ValueError):
        content_windows([1, 2], 128, 126)


def test_single_label_temperature_weighted_mean_and_threshold():
    h = Head("help_seeking", "single_label", ["no", "yes"], 2.0, [0.3])
    logits = np.array([[0.0, 2.0], [2.0, 0.0]])
    p = window_probs(h, logits)
    assert np.allclose(p[0], [1 / (1 + np.e), np.e / (1 + np.e)])  # softmax of logits / 2
    agg = aggregate(h, p, [3, 1])
    assert np.allclose(agg, (3 * p[0] + p[1]) / 4)
    assert decide(h, np.array([0.65, 0.35])) == "yes"  # p[1] >= threshold 0.3 even though argmax is "no"
    assert decide(h, np.array([0.75, 0.25])) == "no"


def test_multiclass_argmax_and_empty_window_weights():
    h = Head("condition", "single_label", ["a", "b", "c"], 1.0, None)
    p = window_probs(h, np.array([[0.0, 1.0, 0.0]]))
    assert np.allclose(aggregate(h, p, [0]), p[0])  # empty text: one window with 0 content tokens
    assert decide(h, p[0]) == "b"


def test_multi_label_max_and_thresholds():
    h = Head("causes", "multi_label", ["x", "y", "z"], 1.0, [0.5, 0.9, 0.1])
    logits = np.array([[0.0, 1.0, -3.0], [1.0, 3.0, -5.0]])
    p = window_probs(h, logits)
    agg = aggregate(h, p, [10, 10])
    assert np.allclose(agg, 1 / (1 + np.exp(-np.array([1.0, 3.0, -3.0]))))
    assert decide(h, agg) == ["x", "y"]  # z: sigmoid(-3)=0.047 < 0.1
    h0 = Head("causes", "multi_label", ["x", "y", "z"], 1.0, None)
    assert decide(h0, agg) == ["x", "y"]  # null thresholds mean 0.5


def test_binary_head_with_max_aggregation_and_format_defaults():
    h = Head.from_json({"task": "help_seeking", "kind": "single_label", "labels": ["no", "yes"],
                        "temperature": 1.0, "thresholds": [0.5], "aggregation": "max"})
    p = np.array([[0.9, 0.1], [0.2, 0.8]])
    assert np.allclose(aggregate(h, p, [126, 10]), [0.2, 0.8])  # the short last window's request decides
    assert decide(h, aggregate(h, p, [126, 10])) == "yes"
    v1 = Head.from_json({"task": "c", "kind": "multi_label", "labels": ["x"], "temperature": 1.0, "thresholds": None})
    assert v1.aggregation == "max"
    v1s = Head.from_json({"task": "h", "kind": "single_label", "labels": ["no", "yes"], "temperature": 1.0,
                          "thresholds": None})
    assert v1s.aggregation == "token_mean"
    with pytest.raises(ValueError):
        aggregate(Head("h", "single_label", ["no", "yes"], 1.0, None, "median"), p, [1, 1])
    with pytest.raises(ValueError):
        aggregate(Head("c", "single_label", ["a", "b", "c"], 1.0, None, "max"), np.ones((2, 3)) / 3, [1, 1])


def test_post_calibration_maps_the_aggregated_p_yes():
    """The knots' piecewise-linear map (constant outside) applies to the aggregated p(yes); p(no) = 1 - p(yes)."""
    from mhelp_pipeline.runtime.inference import interpolate

    knots = {"x": [0.1, 0.3, 0.6, 0.9], "y": [0.0, 0.2, 0.2, 1.0]}
    assert [interpolate(knots["x"], knots["y"], p) for p in (0.0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75, 0.9, 1.0)] == \
        pytest.approx([0.0, 0.0, 0.1, 0.2, 0.2, 0.2, 0.6, 1.0, 1.0], abs=1e-15)
    h = Head.from_json({"task": "help_seeking", "kind": "single_label", "labels": ["no", "yes"], "temperature": 1.0,
                        "thresholds": [0.5], "aggregation": "token_mean", "post_calibration": knots})
    agg = aggregate(h, np.array([[0.5, 0.5], [0.1, 0.9]]), [1, 1])  # mean p(yes) 0.7 -> 0.2 + 0.8 * (0.1 / 0.3)
    assert agg == pytest.approx([1 - (0.2 + 0.8 / 3), 0.2 + 0.8 / 3])
    assert decide(h, agg) == "no"
    assert Head.from_json({**{"task": "h", "kind": "single_label", "labels": ["no", "yes"], "temperature": 1.0,
                              "thresholds": None}}).post_calibration is None
    with pytest.raises(ValueError):
        aggregate(Head("c", "single_label", ["a", "b", "c"], 1.0, None, "token_mean", knots), np.ones((1, 3)) / 3, [1])


def test_post_calibration_fixture_is_what_interpolate_gives():
    """test/fixtures/parity.json's post_calibration block (the engine's interpolateKnots is tested against it)."""
    import json

    from mhelp_pipeline.core.paths import PARITY_FIXTURE
    from mhelp_pipeline.runtime.inference import interpolate

    block = json.loads(PARITY_FIXTURE.read_text())["post_calibration"]
    assert "example" in block
    for b in block.values():
        assert [interpolate(b["knots"]["x"], b["knots"]["y"], p) for p in b["p"]] == b["mapped"]


def test_post_probabilities_of_many_posts_equal_aggregate_of_each():
    """post_probabilities computes every post at once; each row is what aggregate gives that post alone (the engine's
    order of operations), with ties in max (the first window wins) and a post whose windows carry no tokens."""
    rng = np.random.default_rng(3)
    knots = {"x": [0.1, 0.5, 0.9], "y": [0.0, 0.6, 1.0]}
    for kind, n, how, pc in (("single_label", 2, "token_mean", None), ("single_label", 2, "max", knots),
                             ("single_label", 11, "token_mean", None), ("multi_label", 10, "max", None),
                             ("multi_label", 10, "token_mean", None)):
        head = Head("t", kind, [str(i) for i in range(n)], 1.3, None, how, pc)
        windows = [rng.normal(0, 2, (int(rng.integers(1, 5)), n)) for _ in range(200)]
        windows[0] = np.vstack([windows[0][:1], windows[0][:1]])  # two equal windows
        weights = [list(rng.integers(0, 120, len(z))) for z in windows]
        weights[1] = [0] * len(windows[1])
        each = np.stack([aggregate(head, window_probs(head, z), w) for z, w in zip(windows, weights)])
        assert np.allclose(post_probabilities(head, windows, weights), each, rtol=0, atol=1e-12), (kind, how)


def test_post_probabilities_refuses_a_post_without_windows_or_misaligned_weights():
    head = Head("t", "single_label", ["no", "yes"], 1.0, None, "token_mean")
    with pytest.raises(ValueError, match="at least one window"):
        post_probabilities(head, [np.zeros((1, 2)), np.zeros((0, 2))], [[1], []])
    with pytest.raises(ValueError, match="one weight per window"):
        post_probabilities(head, [np.zeros((2, 2)), np.zeros((1, 2))], [[1], [1, 1]])

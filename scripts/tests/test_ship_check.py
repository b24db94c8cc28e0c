"""The replacement rule of ship_check.py on hand-made paired results (no model, no data)."""

from mhelp_pipeline.ship_check import HEADLINE, decide


def _paired(**diffs):
    """diffs: task -> (diff, p) of its headline metric; every other task is an insignificant 0."""
    return {task: {metric: {"diff": diffs.get(task, (0.0, 0.9))[0], "p_value": diffs.get(task, (0.0, 0.9))[1]}}
            for task, metric in HEADLINE.items()}


def test_replaces_only_on_a_significant_gain_without_a_significant_loss():
    assert decide(_paired(causes=(0.02, 0.01)))["replace"]
    assert not decide(_paired())["replace"]  # nothing significant: keep what ships
    assert not decide(_paired(causes=(0.02, 0.01), condition=(-0.02, 0.03)))["replace"]


def test_help_seeking_may_not_drop_more_than_a_point_even_if_not_significant():
    assert not decide(_paired(causes=(0.02, 0.01), help_seeking=(-0.011, 0.2)))["replace"]
    assert decide(_paired(causes=(0.02, 0.01), help_seeking=(-0.009, 0.2)))["replace"]


def test_the_reason_names_the_tasks():
    why = decide(_paired(help_seeking=(-0.02, 0.01)))["why"]
    assert "significantly worse: help_seeking" in why and "significantly better: none" in why

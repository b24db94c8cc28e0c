"""Teacher runs grouped by configuration (teacher_spread.py) on hand-made train.py summaries."""

import pytest

from mhelp_pipeline.evaluate.teacher_spread import spread
from tests.records import teacher_summary


CPU_BEFORE = "CPU, 2 threads"  # train.recorded_hardware of a summary without it


def test_runs_group_by_what_they_learn_not_where_they_ran():
    groups = spread({"a": teacher_summary(0, 0.738), "b": teacher_summary(1, 0.731), "g": teacher_summary(0, 0.743, "cuda", hardware="H200"),
                     "other": teacher_summary(0, 0.745, epochs=6)})
    big, small = groups
    assert big["n"] == 3 and small["n"] == 1 and "≤ 6 epochs" in small["config"]
    assert big["range"] == pytest.approx(0.743 - 0.731) and big["mean_score"] == pytest.approx((0.738 + 0.731 + 0.743) / 3)
    assert [(r["seed"], r["hardware"]) for r in big["runs"]] == [(0, CPU_BEFORE), (0, "H200"), (1, CPU_BEFORE)]
    assert big["runs"][0]["help_seeking"] == 0.8  # the heads' scores at the best step, not the last one

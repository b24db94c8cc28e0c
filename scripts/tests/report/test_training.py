"""The report's teacher-and-students parts (report/training.py) on hand-made JSONs: ship-check and compare
rows, the re-seeded candidates as training noise, the teacher's seed spread."""

from mhelp_pipeline.core.codebook import STABLE_HEADLINE
from mhelp_pipeline.evaluate.ship_check import decide
from mhelp_pipeline.evaluate.teacher_spread import spread
from mhelp_pipeline.report.training import compare_section, ship_check_section, teacher_seeds_section
from tests.records import teacher_summary


def _paired(**diffs):
    """diffs: task -> (diff, p) of its headline metric; every other task is an insignificant 0."""
    return {task: {metric: {"diff": diffs.get(task, (0.0, 0.9))[0], "p_value": diffs.get(task, (0.0, 0.9))[1]}}
            for task, metric in STABLE_HEADLINE.items()}


def test_report_counts_only_the_shipped_recipes_reseeds_as_training_noise():
    def check(name: str, diff: float) -> dict:
        paired = {"help_seeking": {"f1": {"diff": diff, "ci_low": diff - 0.01, "ci_high": diff + 0.01, "p_value": 0.5}}}
        return {"candidate": f"build/students/{name}", "shipped": "models/default", "shipped_version": "0.4.0",
                "training": {"candidate": {"seed": 1, "steps": 1500}}, "paired_candidate_minus_shipped": paired,
                "decision": decide(_paired()) | {"rule": "r"}}

    text = "\n".join(ship_check_section([check("L3-seed1", -0.002), check("L3-aux1-seed1", -0.03)]))
    assert "re-seeded − shipped: -0.002." in text  # the variant's -0.030 is not noise of the shipped recipe
    comp = check("L3-seed1", -0.02) | {"against": "build/teacher/L6-cpu/model"}
    comp["paired_candidate_minus_against"] = comp.pop("paired_candidate_minus_shipped")
    row = [r for r in compare_section([comp]) if "L3-seed1" in r][0]
    assert "**-0.020 [" in row and "build/teacher/L6-cpu/model" in row  # > 1 point below the teacher: bold


def test_teacher_seeds_section_states_the_spread():
    groups = spread({"a": teacher_summary(0, 0.738), "b": teacher_summary(1, 0.731), "g": teacher_summary(0, 0.743, "cuda", hardware="H200"),
                     "other": teacher_summary(0, 0.745, epochs=6)})
    text = "\n".join(teacher_seeds_section({"groups": groups}))
    assert "3 runs, score 0.7310–0.7430 (range 0.0120)" in text
    assert "is +0.0020 above the best run of the repeated one, less than" in text and "within training noise" in text

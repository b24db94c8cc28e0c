"""The report table of every model's auxiliary heads (report/aux_heads.aux_section) on a hand-made result."""

from mhelp_pipeline.report.aux_heads import aux_section


def test_marks_the_heads_that_reach_the_target_and_names_skipped_models():
    res = {"date": "2026-11-26", "floors": {"cams_cause": 0.436, "dreaddit_stress": 0.792}, "target_points": 5.0,
           "seed_rows": ["a", "c"],
           "models": {"a": {"heads": {"cams_cause": {"weighted_f1": 0.492, "points_over_floor": 5.6},
                                      "dreaddit_stress": {"weighted_f1": 0.817, "points_over_floor": 2.5}}},
                      "b": {"skipped": "x has no model.json"},
                      "c": {"heads": {"cams_cause": {"weighted_f1": 0.47, "points_over_floor": 3.4},
                                      "dreaddit_stress": {"weighted_f1": 0.81, "points_over_floor": 1.8}}}}}
    text = "\n".join(aux_section(res))
    assert "| a | **0.492 (+5.6)** | 0.817 (+2.5) |" in text
    assert "| b | skipped: x has no model.json | |" in text
    assert "| TF-IDF + LR floor | 0.436 | 0.792 |" in text
    assert "cams_cause +3.4 to +5.6; dreaddit_stress +1.8 to +2.5" in text  # the seeds of one recipe

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


def _d(points, lo, hi):
    return {"points": points, "ci95": [lo, hi], "p_value": 0.5}


def test_aux_split_section_shows_dev_and_held_out_gains_with_their_intervals():
    from mhelp_pipeline.report.aux_heads import aux_split_section

    split = lambda n, d=None, **kw: {"n": n, **({"model_minus_floor": d} if d else {}), **kw}  # noqa: E731
    res = {"date": "2026-12-07", "label_agreement": {"sad_cause": {"matched": 200, "equal_top_label": 110,
                                                                   "equal_original_label": 199}},
           "heads": {"sad_cause": {
        "leakage": {"dev": {"rows": 308, "heldout": 304},
                    "validation": {"rows": 616, "heldout": 60, "duplicate_of_other_candidate": 22,
                                   "sources": {"imhi-val/SAD": 616},
                                   "near_duplicate_in_train": {"corpus": {"rows": 185}, "corpus-all": {"rows": 534}}}},
        "splits": {"dev": split(308, _d(11.9, 6.0, 17.5)), "dev_clean": split(304), "validation": split(60),
                   "heldout": split(364, _d(4.2, -1.5, 9.9), model_crossfit_minus_floor=_d(4.0, -1.0, 9.0),
                                    model_minus_floor_model_train=_d(1.1, -3.0, 5.0)),
                   "heldout_original_label": split(364, _d(-2.0, -7.0, 3.0))},
        "sad_by_origin": {"crowd": {"n": 120, "mean_words": 9.5, "model_minus_floor": _d(15.0, 5.0, 25.0)}}}}}
    text = "\n".join(aux_split_section(res))
    assert ("| sad_cause | 308 | +11.9 [+6.0, +17.5] | 4 | 364 (304 + 60) | +4.2 [-1.5, +9.9] | +4.0 [-1.0, +9.0] "
            "| +1.1 [-3.0, +5.0] |") in text
    assert "sad_cause: 616 rows in imhi-val/SAD, 534 near duplicates of train rows, 22 copies of dev rows, 60 held out" in text
    assert "`top_label` on 55.0%, = `original_label` on 99.5%" in text
    assert "instead of `top_label` (the raters' majority, which the corpus trains on): n 364, model − floor -2.0 [-7.0, +3.0]" in text
    assert "crowd: n 120, 9.5 words on average, model − floor +15.0 [+5.0, +25.0]" in text

"""student_sizes.py: rows from two gold-cv reports put side by side only when they score the teacher alike;
sizes, ms ratios to default and the frontier from given timings (no Node run here)."""

import json

import pytest

from mhelp_pipeline.evaluate.student_sizes import Row, pareto, student_sizes, teacher_check


def _scores(f1, acc, mf1):
    ci = lambda v: {"value": v, "ci_low": v - 0.04, "ci_high": v + 0.03, "resamples": 10}  # noqa: E731
    return {"help_seeking": {"f1": f1, "ci": {"f1": ci(f1)}},
            "condition": {"accuracy": acc, "ci": {"accuracy": ci(acc)}},
            "causes": {"macro_f1": mf1, "ci": {"macro_f1": ci(mf1)}}}


def _model(f1, acc, mf1):
    return {"cross_fitted": _scores(f1, acc, mf1), "help_seeking_ece": {"cross_fitted": 0.07, "as_shipped": 0.05}}


def _paired(d):
    return {t: {"metric": m, "diff": d, "ci_low": d - 0.02, "ci_high": d + 0.02, "p_value": 0.3, "resamples": 10}
            for t, m in (("help_seeking", "f1"), ("condition", "accuracy"), ("causes", "macro_f1"))}


def _report(models, teacher=(0.84, 0.73, 0.51)):
    ms = {n: _model(*v) for n, v in models.items()} | {"teacher": _model(*teacher)}
    return {"gold_posts": 588, "fold_sizes": [118, 118, 118, 117, 117], "config": {"teacher": "teacher"},
            "models": ms, "paired": {f"{n} - teacher": _paired(-0.01) for n in models}}


def _folder(d, mb):
    d.mkdir()
    (d / "model.int8.onnx").write_bytes(b"\0" * int(mb * 1e6))
    (d / "model.json").write_text(json.dumps({"onnx": "model.int8.onnx", "architecture": {"layers": 1, "params": 9},
                                              "training": {"seed": 0, "steps": 1200},
                                              "metrics": {"calibration": {"fitted_on": "gold"}}}))
    return d


def test_rows_sizes_ratios_and_frontier(tmp_path):
    main, extra = tmp_path / "gold-cv.json", tmp_path / "gold-cv-L1.json"
    main.write_text(json.dumps(_report({"default": (0.838, 0.706, 0.494), "fast": (0.80, 0.68, 0.47)})))
    extra.write_text(json.dumps(_report({"L1": (0.76, 0.63, 0.42)})))
    rows = (Row("L1", "L1", str(extra), None), Row("L2", "fast", str(main), "fast"),
            Row("L3", "default", str(main), "default"), Row("teacher", "teacher", str(main), None))
    dirs = {n: _folder(tmp_path / n, mb) for n, mb in (("L1", 0.5), ("L2", 0.8), ("L3", 1.1), ("teacher", 2.0))}
    timing = {"models": {n: {"median_ms": ms, "p10_ms": ms - 1, "p90_ms": ms + 1, "runs": 30}
                         for n, ms in (("L1", 5.0), ("L2", 10.0), ("L3", 20.0), ("teacher", 40.0))}}
    res = student_sizes(rows, dirs, out=tmp_path / "sizes.json", timing=timing, log=lambda m: None)
    assert json.loads((tmp_path / "sizes.json").read_text())["rows"]["L1"]["int8_mb"] == 0.5
    r = res["rows"]
    assert r["L1"]["ms_ratio_to_default"] == 0.25 and r["L3"]["ms_ratio_to_default"] == 1.0
    assert r["L1"]["shipped"] is None and r["L2"]["shipped"] == "models/fast"
    assert r["L1"]["gold_cv"]["help_seeking"] == {"value": 0.76, "ci95": [0.72, 0.79], "metric": "f1"}
    assert r["L1"]["gold_cv"]["paired_vs_teacher"]["condition"]["diff"] == -0.01
    assert "paired_vs_teacher" not in r["teacher"]["gold_cv"]
    assert res["teacher_check"]["identical"] and res["frontier"] == ["L1", "L2", "L3", "teacher"]

    # a report whose teacher differs (other folds or gold posts) cannot be put beside the other
    extra.write_text(json.dumps(_report({"L1": (0.76, 0.63, 0.42)}, teacher=(0.85, 0.73, 0.51))))
    with pytest.raises(ValueError, match="not comparable"):
        student_sizes(rows, dirs, out=None, timing=timing, log=lambda m: None)


def test_pareto_drops_a_row_beaten_on_every_axis():
    def row(f1, ms, mb):
        return {"gold_cv": {"help_seeking": {"value": f1}}, "ms_per_window": {"median": ms}, "int8_mb": mb}

    rows = {"a": row(0.8, 10, 1), "b": row(0.79, 12, 1), "c": row(0.85, 20, 2), "d": row(0.8, 10, 1)}
    assert pareto(rows) == ["a", "c", "d"]  # b: worse than a everywhere; equal rows do not beat each other
    assert teacher_check({"x": {"gold_posts": 1, "fold_sizes": [1], "models": {}}})["agree"] is False

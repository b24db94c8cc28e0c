"""The redaction evaluator scores placeholders correctly, and reports/redaction-eval.json is current: it
records the Python normaliser's outputs, which the TypeScript engine must reproduce (test/engine)."""

import json

from mhelp_pipeline.core.paths import REDACTION_EVAL_SETS, REPORTS
from mhelp_pipeline.data.normalise import NORMALISATION_VERSION
from mhelp_pipeline.evaluate.redaction_eval import evaluate, score_case


def test_score_case_counts_hits_misses_and_false_alarms():
    counts = score_case("[NAME] met [USER] in Paris.", "Sarah met [USER] in [NAME].")
    assert counts["tp"] == {"USER": 1}
    assert counts["fn"] == {"NAME": 1}
    assert counts["fp"] == {"NAME": 1}


def test_unchanged_text_has_no_false_positive():
    r = evaluate([{"id": "n1", "class": "none", "input": "In April I moved to Austin.",
                   "expected": "In April I moved to Austin."}])
    assert r["none_cases_changed"] == 0 and r["per_class"] == {}


def test_report_is_current():
    report = json.loads((REPORTS / "redaction-eval.json").read_text("utf-8"))
    assert report["normalisation_version"] == NORMALISATION_VERSION
    for name, path in REDACTION_EVAL_SETS.items():
        fresh = evaluate(json.loads(path.read_text("utf-8"))["cases"])
        assert fresh == report["sets"][name], f"reports/redaction-eval.json is stale for {name}: run redaction-eval"


def test_eval_sets_are_large_enough():
    for path in REDACTION_EVAL_SETS.values():
        cases = json.loads(path.read_text("utf-8"))["cases"]
        names = sum(c["class"] == "name" for c in cases)
        unchanged = sum(c["class"] == "none" and c["input"] == c["expected"] for c in cases)
        assert len(cases) >= 150 and names >= 60 and unchanged >= 60

"""The replacement rule of ship_check.py on hand-made paired results (no model, no data), and `--against`
on the shipped models with real posts sampled from ../shared at run time."""

import json
import random

import pytest

from mhelp_pipeline.paths import MODELS, RAW
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


@pytest.mark.skipif(not ((RAW / "reddit-subreddits").exists() and (MODELS / "fast" / "model.json").exists()),
                    reason="shared raw data or the shipped models not available")
def test_against_compares_with_any_model_and_a_model_equals_itself(tmp_path, monkeypatch):
    """`ship-check --against`: the same paired tests, no replacement decision, its own file; a model compared
    with itself differs by exactly 0 on every metric, and a different model does not."""
    from mhelp_pipeline import ship_check as sc
    from mhelp_pipeline.bootstrap import BootstrapConfig
    from mhelp_pipeline.frontier import FrontierConfig
    from mhelp_pipeline.sources import reddit_subreddits

    pool = [e for e in reddit_subreddits(RAW, 4)
            if {"help_seeking", "condition", "causes"} <= set(e.labels) and len(e.text.split()) < 300]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "dev.jsonl").write_text("".join(
        json.dumps({"id": str(i), "source": e.source, "group": str(i), "text": e.text, "labels": e.labels}) + "\n"
        for i, e in enumerate(random.Random(0).sample(pool, 40))))
    monkeypatch.setattr(sc, "REPORTS", tmp_path)
    cfg = FrontierConfig(bootstrap=BootstrapConfig(resamples=50))
    same = sc.ship_check(MODELS / "default", "default", cfg, corpus, log=lambda m: None, against=MODELS / "default")
    assert "decision" not in same and same["against"] == "models/default"
    assert (tmp_path / "compare-default-default.json").exists()
    diffs = [d["diff"] for m in same["paired_candidate_minus_against"].values() for d in m.values()]
    assert len(diffs) == 6 and all(d == 0 for d in diffs)
    other = sc.ship_check(MODELS / "default", "default", cfg, corpus, log=lambda m: None, against=MODELS / "fast")
    assert any(d["diff"] != 0 for m in other["paired_candidate_minus_against"].values() for d in m.values())
    assert json.loads((tmp_path / "compare-fast-default.json").read_text())["against_version"]


def test_the_command_names_a_missing_or_wrong_model_folder(tmp_path, capsys):
    from mhelp_pipeline.__main__ import main

    for argv, says in ((["ship-check"], "needs --candidate"),
                       (["ship-check", "--candidate", str(tmp_path)], "has no model.json"),
                       (["ship-check", "--candidate", str(MODELS / "default"), "--against", str(tmp_path)],
                        "has no model.json")):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2 and says in capsys.readouterr().err


def test_report_counts_only_the_shipped_recipes_reseeds_as_training_noise():
    from mhelp_pipeline.report_training import compare_section, ship_check_section

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

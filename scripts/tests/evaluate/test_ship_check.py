"""The replacement rule of ship_check.py on hand-made paired results (no model, no data), and `--against`
on the shipped models with real posts sampled from ../shared at run time."""

import json
import random

from mhelp_pipeline.core.codebook import STABLE_HEADLINE
from mhelp_pipeline.core.paths import MODELS
from mhelp_pipeline.data.sources import reddit_subreddits
from mhelp_pipeline.evaluate import ship_check as sc
from mhelp_pipeline.evaluate.bootstrap import BootstrapConfig
from mhelp_pipeline.evaluate.frontier import FrontierConfig
from mhelp_pipeline.evaluate.ship_check import decide


def _paired(**diffs):
    """diffs: task -> (diff, p) of its headline metric; every other task is an insignificant 0."""
    return {task: {metric: {"diff": diffs.get(task, (0.0, 0.9))[0], "p_value": diffs.get(task, (0.0, 0.9))[1]}}
            for task, metric in STABLE_HEADLINE.items()}


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


def test_against_compares_with_any_model_and_a_model_equals_itself(tmp_path, monkeypatch, raw):
    """`ship-check --against`: the same paired tests, no replacement decision, its own file; a model compared
    with itself differs by exactly 0 on every metric, and a different model does not."""
    pool = [e for e in reddit_subreddits(raw, 4)
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

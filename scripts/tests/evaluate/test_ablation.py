"""The MT vs ST ablation's bookkeeping on a tiny real run (~45 s): epoch budgets, seeds, reuse, seed means,
learning curves, the gold judgement (whole posts, cross-fitted decisions) and the report section that reads its
JSON.

Posts are sampled from ../shared at run time into tmp_path and deleted with it; nothing is kept. Gold dev
(../shared/data/gold/dev.jsonl) is required: without it the run stops and says so."""

import hashlib
import json
import math
import random

import numpy as np
import pytest

from mhelp_pipeline.core.hardware import hardware
from mhelp_pipeline.core.paths import GOLD_DEV
from mhelp_pipeline.data.sources import reddit_subreddits
from mhelp_pipeline.evaluate.ablation import analyse
from mhelp_pipeline.report.ablation import ablation_section, load_ablations
from mhelp_pipeline.train.ablation import AblationConfig, run_all


def test_tiny_ablation_seeds_reuse_and_report(tmp_path, raw):
    keep = {"reddit-depression", "reddit-suicidewatch", "reddit-casualconversation"}
    pool = [e for e in reddit_subreddits(raw, 4) if e.source in keep and "condition" in e.labels]
    rng = random.Random(0)
    chosen = [e for src in sorted(keep) for e in rng.sample([e for e in pool if e.source == src], 40)]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    dev_side = lambda e: int(hashlib.sha1(e.group.encode()).hexdigest(), 16) % 4 == 0  # noqa: E731
    for name, side in (("train", False), ("dev", True)):
        with (corpus / f"{name}.jsonl").open("w") as f:
            for e in chosen:
                if dev_side(e) == side:
                    f.write(json.dumps({"text": e.text, "source": e.source, "labels": e.labels}) + "\n")
    n_train = sum(1 for _ in (corpus / "train.jsonl").open())
    # a gold sample keeps the test fast: 160 posts (folds are stratified, so every fold gets some of each)
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text("".join(GOLD_DEV.read_text(encoding="utf-8").splitlines(keepends=True)[:160]))

    cfg = AblationConfig(layers=1, max_length=48, stride=0, batch_size=8, epochs=2, seeds=(0, 1), tasks=("condition",))
    logs: list[str] = []
    runs_dir = tmp_path / "runs"
    logits = run_all(cfg, corpus_dir=corpus, out_dir=runs_dir, log=logs.append, gold_path=gold_path)
    assert set(logits) == {"multi_task", "single_condition"} and set(logits["multi_task"]) == {0, 1}
    assert not np.allclose(logits["multi_task"][0]["condition"], logits["multi_task"][1]["condition"])

    # A third seed trains only itself; the saved seeds are reused. The primary-heads MT run may have fewer
    # seeds (--primary-seeds): its comparisons then use the seeds both sides have.
    more = AblationConfig(**{**cfg.__dict__, "seeds": (0, 1, 2), "primary_multi_task": True, "primary_seeds": (0, 1)})
    logits = run_all(more, corpus_dir=corpus, out_dir=runs_dir, log=logs.append, gold_path=gold_path)
    assert sum("reusing" in m for m in logs) == 4 and set(logits["single_condition"]) == {0, 1, 2}
    assert set(logits["multi_task_primary"]) == {0, 1}  # asking for it trains it, keeps the saved runs

    # --no-all-heads: a fourth seed trains the single-task and primary-heads runs only; the all-heads run keeps
    # its saved seeds, and its comparisons use the seeds both sides have.
    no_all = AblationConfig(**{**more.__dict__, "seeds": (0, 1, 2, 3), "primary_seeds": (0, 1, 3), "all_heads": False})
    logits = run_all(no_all, corpus_dir=corpus, out_dir=runs_dir, log=logs.append, gold_path=gold_path)
    assert set(logits["multi_task"]) == {0, 1, 2} and set(logits["single_condition"]) == {0, 1, 2, 3}
    assert set(logits["multi_task_primary"]) == {0, 1, 3}
    assert set(logits["multi_task_primary"][3]) == {"help_seeking", "condition", "causes"}  # all three heads
    logits = {name: {s: v for s, v in by_seed.items() if s < 3} for name, by_seed in logits.items()}

    res = analyse(logits, more, corpus_dir=corpus, runs_dir=runs_dir, gold_path=gold_path)
    mt = res["runs"]["multi_task"]
    assert mt["seeds"][2]["steps"] == math.ceil(2 * n_train / 8)
    assert [c["epoch"] for c in mt["seeds"][0]["curve"]] == pytest.approx([1.0, 2.0], abs=0.1)

    # Silver dev (here: the tiny dev split), a diagnostic: the last curve point is the evaluated model.
    m = res["silver_dev"]["runs"]["multi_task"]["metrics"]["condition"]
    assert m["accuracy"] == pytest.approx(np.mean(m["per_seed"]["accuracy"]))
    assert [c["curve"][-1]["headline"]["condition"] for c in mt["seeds"].values()] == \
        pytest.approx(m["per_seed"]["accuracy"])
    comp = res["silver_dev"]["comparisons"]["condition"]["multi_task - single"]["accuracy"]
    st = res["silver_dev"]["runs"]["single_condition"]["metrics"]["condition"]["per_seed"]["accuracy"]
    assert comp["per_seed_diff"] == pytest.approx([a - b for a, b in zip(m["per_seed"]["accuracy"], st)])
    assert res["config"]["seeds"] == [0, 1, 2]

    # Gold, the judge: every gold post no run trained on (the sampled raw posts include near duplicates of some,
    # which are left out and counted), each run's seeds, cross-fitted decisions.
    gold = res["gold"]
    assert gold["posts"] + gold["left_out_in_corpus"] == 160
    g = gold["runs"]["multi_task"]["metrics"]["condition"]
    assert g["n"] == gold["posts"] and len(g["per_seed"]["accuracy"]) == 3
    assert g["accuracy"] == pytest.approx(np.mean(g["per_seed"]["accuracy"]))
    assert g["ci"]["accuracy"]["ci_low"] <= g["accuracy"] <= g["ci"]["accuracy"]["ci_high"]
    assert sum(g["dev_positives"].values()) == gold["posts"]  # gold's condition labels, counted
    paper = gold["comparisons"]["condition"]["multi_task_primary - single"]
    prim = gold["runs"]["multi_task_primary"]["metrics"]["condition"]["per_seed"]["accuracy"]
    st = gold["runs"]["single_condition"]["metrics"]["condition"]["per_seed"]["accuracy"]
    assert paper["seeds"] == [0, 1]  # the seeds both sides have
    assert paper["accuracy"]["per_seed_diff"] == pytest.approx([a - b for a, b in zip(prim, st[:2])])
    assert paper["accuracy"]["diff"] == pytest.approx(np.mean(prim) - np.mean(st[:2]))
    shipped = gold["comparisons"]["condition"]["multi_task - single"]
    assert shipped["seeds"] == [0, 1, 2] and shipped["accuracy"]["diff"] == pytest.approx(g["accuracy"] - np.mean(st))

    # The report's section reads this JSON; a file without gold (the weak-label era) is not read.
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "ablation-2epochs.json").write_text(json.dumps(res))
    (tmp_path / "reports" / "ablation-old.json").write_text(json.dumps({k: v for k, v in res.items() if k != "gold"}))
    abls = load_ablations(tmp_path / "reports")
    assert len(abls) == 1
    text = "\n".join(ablation_section(abls))
    assert "1-layer encoder, 2 epochs over each run's own pool × batch 8, seeds 0, 1, 2" in text
    assert f"on {hardware('cpu', 2)}, scoring excluded" in text  # where the seconds were measured
    assert f"| multi_task_primary − single_condition | condition | accuracy | {prim_mean(prim)} |" in text
    assert f"{paper['accuracy']['diff']:+.3f}" in text and "Learning curves" in text
    assert "condition on gold: seed-mean F1 per label" in text and "**Silver dev, a diagnostic**" in text


def prim_mean(values: list[float]) -> str:
    return f"{np.mean(values):.3f}"

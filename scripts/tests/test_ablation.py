"""The MT vs ST ablation's bookkeeping on a tiny real run (~30 s): epoch budgets, seeds, reuse, seed means,
learning curves, and the report section that reads its JSON (both file shapes).

Posts are sampled from ../shared at run time into tmp_path and deleted with it; nothing is kept."""

import hashlib
import json
import math
import random

import numpy as np
import pytest

from mhelp_pipeline.ablation import AblationConfig, analyse, checkpoint_steps, run_all, run_steps
from mhelp_pipeline.paths import RAW


def test_epoch_budget_gives_each_run_equal_passes_over_its_own_pool():
    cfg = AblationConfig(epochs=3, batch_size=16)
    assert run_steps(cfg, 13222) == math.ceil(3 * 13222 / 16) == 2480
    assert run_steps(cfg, 6125) == 1149  # ST help_seeking: fewer steps, same passes over its examples
    assert checkpoint_steps(cfg, 160) == [10, 20, 30]  # after each epoch, the last one being the end
    assert checkpoint_steps(AblationConfig(epochs=1.5, batch_size=16), 160) == [10, 15]
    steps_cfg = AblationConfig(steps=400)
    assert run_steps(steps_cfg, 13222) == run_steps(steps_cfg, 10) == 400 and checkpoint_steps(steps_cfg, 10) == [400]


@pytest.mark.skipif(not (RAW / "reddit-subreddits").exists(), reason="shared raw data not available")
def test_tiny_ablation_seeds_reuse_and_report(tmp_path):
    from mhelp_pipeline.report_ablation import ablation_section
    from mhelp_pipeline.sources import reddit_subreddits

    keep = {"reddit-depression", "reddit-suicidewatch", "reddit-casualconversation"}
    pool = [e for e in reddit_subreddits(RAW, 4) if e.source in keep and "condition" in e.labels]
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

    cfg = AblationConfig(layers=1, max_length=48, batch_size=8, epochs=2, seeds=(0, 1), tasks=("condition",))
    logs: list[str] = []
    runs_dir = tmp_path / "runs"
    logits = run_all(cfg, corpus_dir=corpus, out_dir=runs_dir, log=logs.append)
    assert set(logits) == {"multi_task", "single_condition"} and set(logits["multi_task"]) == {0, 1}
    assert not np.allclose(logits["multi_task"][0]["condition"], logits["multi_task"][1]["condition"])

    # A third seed trains only itself; the saved seeds are reused. The primary-heads MT run may have fewer
    # seeds (--primary-seeds): its comparisons then use the seeds both sides have.
    more = AblationConfig(**{**cfg.__dict__, "seeds": (0, 1, 2), "primary_multi_task": True, "primary_seeds": (0, 1)})
    logits = run_all(more, corpus_dir=corpus, out_dir=runs_dir, log=logs.append)
    assert sum("reusing" in m for m in logs) == 4 and set(logits["single_condition"]) == {0, 1, 2}
    assert set(logits["multi_task_primary"]) == {0, 1}  # asking for it trains it, keeps the saved runs

    res = analyse(logits, more, corpus_dir=corpus, runs_dir=runs_dir)
    mt = res["runs"]["multi_task"]
    assert mt["seeds"][2]["steps"] == math.ceil(2 * n_train / 8)
    assert [c["epoch"] for c in mt["seeds"][0]["curve"]] == pytest.approx([1.0, 2.0], abs=0.1)
    m = mt["metrics"]["condition"]
    assert m["accuracy"] == pytest.approx(np.mean(m["per_seed"]["accuracy"]))
    # The last curve point is the evaluated model.
    assert [c["curve"][-1]["headline"]["condition"] for c in mt["seeds"].values()] == \
        pytest.approx(m["per_seed"]["accuracy"])
    comp = res["comparisons"]["condition"]["accuracy"]
    st = res["runs"]["single_condition"]["metrics"]["condition"]["per_seed"]["accuracy"]
    assert comp["per_seed_diff"] == pytest.approx([a - b for a, b in zip(m["per_seed"]["accuracy"], st)])
    assert comp["diff"] == pytest.approx(np.mean(comp["per_seed_diff"]))
    assert res["config"]["seeds"] == [0, 1, 2] and res["comparisons"]["condition"]["seeds"] == [0, 1, 2]
    aux = res["other_comparisons"]["multi_task - multi_task_primary"]["condition"]
    prim = res["runs"]["multi_task_primary"]["metrics"]["condition"]["per_seed"]["accuracy"]
    assert aux["seeds"] == [0, 1] and len(prim) == 2
    assert aux["accuracy"]["per_seed_diff"] == pytest.approx([a - b for a, b in zip(m["per_seed"]["accuracy"][:2], prim)])

    # The report reads this shape and the first, seedless one.
    old = json.loads(json.dumps(res))
    old["config"] = {**old["config"], "steps": 150, "epochs": None, "seed": 0}
    for k in ("seeds", "budget"):
        old["config"].pop(k, None) if k == "seeds" else old.pop(k)
    old.pop("other_comparisons")
    old["runs"].pop("multi_task_primary")
    for r in old["runs"].values():
        r.pop("seeds")
        r["train_seconds"] = 1.0
    floors = {"tasks": {"condition": {"tfidf_lr": {"accuracy": 0.5}}}}
    text = "\n".join(ablation_section([json.loads(json.dumps(res)), old], floors))
    assert "| 1-layer encoder, 2 epochs over each run's own pool × batch 8 | 3 | condition (accuracy) |" in text
    assert "| 1-layer encoder, 150 steps × batch 8 | 1 | condition (accuracy) |" in text
    assert "(CPU, 2 threads, dev scoring excluded)" in text  # where the seconds were measured
    assert f"{comp['diff']:+.3f}" in text and "Learning curves" in text
    assert "| multi_task − multi_task_primary | condition | accuracy (headline) |" in text
    assert "multi_task vs multi_task_primary (seeds 0, 1):" in text
    assert "condition: seed-mean F1 per label" in text

"""The MT vs ST ablation's bookkeeping on a tiny real run (~30 s): epoch budgets, seeds, reuse, seed means,
learning curves, and the report section that reads its JSON.

Posts are sampled from ../shared at run time into tmp_path and deleted with it; nothing is kept."""

import hashlib
import json
import math
import random

import numpy as np
import pytest

from mhelp_pipeline.core.hardware import hardware
from mhelp_pipeline.data.sources import reddit_subreddits
from mhelp_pipeline.evaluate.ablation import analyse
from mhelp_pipeline.report.ablation import ablation_section
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

    # The report's section reads this JSON.
    floors = {"tasks": {"condition": {"tfidf_lr": {"accuracy": 0.5}}}}
    text = "\n".join(ablation_section([json.loads(json.dumps(res))], floors))
    assert "| 1-layer encoder, 2 epochs over each run's own pool × batch 8 | 3 | condition (accuracy) |" in text
    assert f"({hardware('cpu', 2)}, dev scoring excluded)" in text  # where the seconds were measured
    assert f"{comp['diff']:+.3f}" in text and "Learning curves" in text
    assert "| multi_task − multi_task_primary | condition | accuracy (headline) |" in text
    assert "multi_task vs multi_task_primary (seeds 0, 1):" in text
    assert "condition: seed-mean F1 per label" in text

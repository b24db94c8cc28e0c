"""The training loop learns something real: a tiny run on real shared data, ~1 minute.

Task: weak `condition` of Reddit posts from r/depression, r/SuicideWatch and r/CasualConversation
(3 classes, balanced, so the majority baseline is ~1/3). Examples are sampled from ../shared at run time
and never written anywhere. A 1-layer encoder trained for three short epochs must beat the majority
baseline by a wide margin on held-out authors.
"""

import hashlib
import random

from mhelp_pipeline.data.sources import reddit_subreddits
from mhelp_pipeline.train.trainer import TrainConfig, train


def test_tiny_training_beats_majority(tmp_path, raw):
    keep = {"reddit-depression", "reddit-suicidewatch", "reddit-casualconversation"}
    pool = [e for e in reddit_subreddits(raw, 4) if e.source in keep and "condition" in e.labels]
    rng = random.Random(0)
    per_class = {}
    for e in pool:
        per_class.setdefault(e.source, []).append(e)
    chosen = [e for src in sorted(per_class) for e in rng.sample(per_class[src], 230)]

    def rec(e):
        # Only the subreddit label (not the lexical suicidal override): the target is the source.
        label = {"reddit-depression": "depression", "reddit-suicidewatch": "suicidal"}.get(e.source, "none")
        return {"text": e.text, "source": e.source, "labels": {"condition": label}}

    dev_side = lambda e: int(hashlib.sha1(e.group.encode()).hexdigest(), 16) % 5 == 0  # noqa: E731
    train_recs = [rec(e) for e in chosen if not dev_side(e)]
    dev_recs = [rec(e) for e in chosen if dev_side(e)]
    cfg = TrainConfig(layers=1, max_length=96, epochs=3, batch_size=16, lr_encoder=2e-4, evals_per_epoch=1,
                      patience=5, max_minutes=2.5, seed=0)
    summary = train(cfg, out=tmp_path / "best", train_records=train_recs, dev_records=dev_recs, log=lambda m: None)
    m = summary["dev_metrics_weak"]["condition"]
    print("tiny run: condition dev accuracy", round(m["accuracy"], 3), "majority", round(m["majority_accuracy"], 3))
    assert m["n"] == len(dev_recs) >= 100
    assert m["accuracy"] >= m["majority_accuracy"] + 0.15, m
    assert (tmp_path / "best.safetensors").exists()

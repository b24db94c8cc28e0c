"""Majority and TF-IDF + LR floors (floors.py) on a tiny synthetic corpus written for the test."""

import json
import random

import pytest

from mhelp_pipeline.evaluate.bootstrap import BootstrapConfig
from mhelp_pipeline.evaluate.floors import FloorConfig, floors

pytest.importorskip("sklearn")


def _tiny_corpus(tmp_path, n=120):
    """Help-seeking posts vs plain statements, written for the test; condition follows a keyword."""
    rng = random.Random(0)
    asks = ["can anyone help me", "any advice please", "what should i do", "how do i cope"]
    says = ["had a nice walk today", "finished my book", "cooked pasta tonight", "the weather is mild"]
    rows = []
    for i in range(n):
        yes = i % 2 == 0
        text = f"{rng.choice(asks if yes else says)} {rng.choice(['panic', 'sad', 'fine'])} {i}"
        cond = "anxiety" if "panic" in text else "depression" if "sad" in text else "none"
        rows.append({"id": str(i), "source": "test", "group": str(i), "text": text,
                     "labels": {"help_seeking": "yes" if yes else "no", "condition": cond,
                                "causes": {"work": int(i % 3 == 0)}}, "provenance": {}})
    for split, part in (("train", rows[: n * 3 // 4]), ("dev", rows[n * 3 // 4 :])):
        (tmp_path / f"{split}.jsonl").write_text("\n".join(json.dumps(r) for r in part) + "\n")
    return tmp_path


def test_floors_beat_majority_on_separable_data(tmp_path):
    d = _tiny_corpus(tmp_path)
    res = floors(FloorConfig(min_df=1, bootstrap=BootstrapConfig(resamples=50)), corpus_dir=d,
                 out=tmp_path / "floors.json", log=lambda m: None)
    hs = res["tasks"]["help_seeking"]
    assert hs["majority"]["f1"] in (0.0, pytest.approx(2 / 3, abs=0.2))  # a constant: all-no or all-yes
    assert hs["tfidf_lr"]["f1"] == 1.0 and hs["tfidf_lr"]["auroc"] == 1.0
    cond = res["tasks"]["condition"]
    assert cond["tfidf_lr"]["accuracy"] >= cond["majority"]["accuracy"] + 0.3
    assert res["tasks"]["dr_depression"]["tfidf_lr"] == {"n": 0}  # no labels: recorded, not crashed
    assert json.loads((tmp_path / "floors.json").read_text())["tasks"]["help_seeking"]["tfidf_lr"]["headline"]["metric"] == "f1"


def test_floor_logits_are_laid_out_like_the_model_heads(tmp_path):
    """gold_cv scores the floor with the models' calibration: log-probabilities in the task's label order for
    single-label tasks, log-odds per label for multi-label ones; a label never known is log-odds 0."""
    import numpy as np

    from mhelp_pipeline.core.codebook import codebook
    from mhelp_pipeline.core.io import read_jsonl
    from mhelp_pipeline.evaluate.floors import floor_logits

    cb = codebook()
    d = _tiny_corpus(tmp_path)
    train, dev = read_jsonl(d / "train.jsonl"), read_jsonl(d / "dev.jsonl")
    tasks = [cb.task(k) for k in ("help_seeking", "condition", "causes")]
    z = floor_logits(tasks, train, [r["text"] for r in dev], FloorConfig(min_df=1))
    assert z["help_seeking"].shape == (len(dev), 2) and z["condition"].shape == (len(dev), cb.task("condition").n)
    assert np.allclose(np.exp(z["condition"]).sum(1), 1, atol=1e-3)
    yes = np.array([r["labels"]["help_seeking"] == "yes" for r in dev])
    assert ((z["help_seeking"][:, 1] > z["help_seeking"][:, 0]) == yes).all()  # learned on separable data
    cond = [cb.task("condition").labels[i] for i in z["condition"].argmax(1)]
    assert np.mean([a == r["labels"]["condition"] for a, r in zip(cond, dev)]) > 0.8
    work = cb.task("causes").labels.index("work")
    assert ((z["causes"][:, work] > 0) == np.array([r["labels"]["causes"]["work"] == 1 for r in dev])).mean() > 0.6
    assert (np.delete(z["causes"], work, axis=1) == 0).all()  # the other causes are never known in this corpus
    assert floor_logits(tasks, [{"text": "x", "labels": {}}], ["y"]) is None

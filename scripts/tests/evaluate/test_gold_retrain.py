"""gold-cv --retrain (gold_retrain.py) on a tiny real run: each fold's student trains on exactly the other
folds' gold posts."""

import json
import random

import torch

from mhelp_pipeline.core.codebook import codebook
from mhelp_pipeline.core.paths import MODELS, base_model_dir
from mhelp_pipeline.data.gold import load_gold
from mhelp_pipeline.data.sources import reddit_subreddits
from mhelp_pipeline.evaluate import gold_retrain
from mhelp_pipeline.evaluate.bootstrap import BootstrapConfig
from mhelp_pipeline.evaluate.gold_cv import GoldCVConfig, gold_cv, primary_codebook, stratified_folds
from mhelp_pipeline.model.batching import encode, load_tokenizer
from mhelp_pipeline.model.checkpoint import save_checkpoint
from mhelp_pipeline.model.multitask import MultiTaskModel, config_for
from mhelp_pipeline.report.gold import gold_section
from mhelp_pipeline.train.distill import DistillConfig


def test_retrained_folds_train_on_the_other_folds_gold_only(tmp_path, monkeypatch, raw):
    """Tiny real run (1-layer students, 3 steps, a 2-layer teacher) of gold_retrain: each fold's student sees
    the corpus plus exactly the other folds' gold posts, is exported, and scores only its held-out fold; a
    re-run reuses the students."""
    pool = [e for e in reddit_subreddits(raw, 4) if {"help_seeking", "condition", "causes"} <= set(e.labels)]
    rng = random.Random(1)
    picked = rng.sample(pool, 64)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, part in (("train", picked[:32]), ("dev", picked[32:48])):
        with (corpus / f"{name}.jsonl").open("w") as f:
            for e in part:
                f.write(json.dumps({"text": e.text, "source": e.source, "labels": e.labels}) + "\n")
    gold_file = tmp_path / "dev.jsonl"
    with gold_file.open("w") as f:
        for e in picked[48:]:
            lab = {"help_seeking": e.labels["help_seeking"], "condition": e.labels["condition"],
                   "causes": sorted(c for c, v in e.labels["causes"].items() if v)}
            f.write(json.dumps({"text": e.text, **lab, "source": e.source}) + "\n")
    gold = load_gold(gold_file)
    torch.manual_seed(0)
    tcfg = config_for(codebook(), layers=2)
    save_checkpoint(MultiTaskModel(tcfg), tmp_path / "teacher" / "best", {"model_config": tcfg.to_dict()})

    seen: list[list[list[int]]] = []
    real_train = gold_retrain.train_student
    monkeypatch.setattr(gold_retrain, "train_student",
                        lambda layers, cfg, tr, *a, **k: seen.append(tr.ids) or real_train(layers, cfg, tr, *a, **k))
    cfg = DistillConfig(layers=(1,), teacher=str(tmp_path / "teacher" / "best"), steps=3, batch_size=4,
                        max_length=48)
    cb = primary_codebook()
    folds = stratified_folds(gold, 2)
    logs: list[str] = []
    cv = GoldCVConfig(folds=2, models=(("default", str(MODELS / "default")),), bootstrap=BootstrapConfig(resamples=20))
    res = gold_cv(cv, gold_path=gold_file, out=None, retrain=cfg, corpus_dir=corpus,
                  retrain_dir=tmp_path / "gold-cv", log=logs.append)
    summary = res["retrained"]["gold-trained L1"]
    assert len(seen) == 2 and [s["gold_train_posts"] for s in summary["folds"]] == [int((folds == 1).sum()),
                                                                                     int((folds == 0).sum())]
    assert summary["held_out"]["help_seeking"]["n"] == 16 and "gold-trained L1 - default" in summary["paired"]
    assert "| gold-trained L1 | held-out fold (3 steps) |" in "\n".join(gold_section(res, 10))
    dirs = [tmp_path / "gold-cv" / f"fold{f}-L1" for f in range(2)]
    gold_ids = gold_retrain.gold_examples(gold)
    g = encode(gold_ids, load_tokenizer(base_model_dir() / "tokenizer.json"), codebook(), 48).ids
    for f, tr_ids in enumerate(seen):
        assert len(tr_ids) == 32 + int((folds != f).sum())
        in_train = [ids in tr_ids[32:] for ids in g]
        assert in_train == [bool(fold != f) for fold in folds]  # the held-out fold never trains its model
        meta = json.loads((dirs[f] / "model.json").read_text())
        assert meta["metrics"]["gold_dev"] is None and "trained on part of gold" in meta["metrics"]["gold_dev_note"]

    preds = gold_retrain.pooled_held_out(cb, dirs, gold, folds)
    assert preds["help_seeking"][0].shape == (16,) and preds["causes"][0].shape == (16, 10)
    gold_retrain.retrain_folds(cb, gold, folds, cfg, 1, corpus, tmp_path / "gold-cv", logs.append)
    assert len(seen) == 2 and sum("reusing" in m for m in logs) == 2

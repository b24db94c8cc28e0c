"""The gold-dev tools: the gold file's schema checks, annotator agreement (Fleiss' kappa), stratified folds,
cross-fitted calibration that never sees its held-out fold, and gold_cv end to end on the shipped model.

The gold set itself is absent on this machine, so the end-to-end test writes a stand-in in the gold schema
from real posts sampled from ../shared at run time (their weak labels as "gold"; deleted with tmp_path): it
checks the plumbing, not any gold number."""

import json
import random

import numpy as np
import pytest

from mhelp_pipeline.agreement import agreement, fleiss_kappa
from mhelp_pipeline.batching import Encoded
from mhelp_pipeline.gold import GoldFormatError, parse_gold
from mhelp_pipeline.gold_cv import cross_fitted, primary_codebook, stratified_folds
from mhelp_pipeline.paths import MODELS, RAW

# Fleiss (1971) as reproduced in most textbooks: 10 subjects, 14 raters, 5 categories; kappa = 0.210
FLEISS_EXAMPLE = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                  [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


def test_fleiss_kappa_matches_the_published_example_and_its_bounds():
    assert fleiss_kappa(np.array(FLEISS_EXAMPLE)) == pytest.approx(0.2099, abs=5e-4)
    assert fleiss_kappa(np.array([[3, 0], [0, 3], [3, 0]])) == pytest.approx(1.0)
    assert fleiss_kappa(np.array([[2, 1], [1, 2], [2, 1], [1, 2]])) < 0  # systematic disagreement
    with pytest.raises(ValueError):
        fleiss_kappa(np.array([[3, 0], [1, 1]]))  # raters per subject differ


def _line(**over) -> str:
    rec = {"text": "I need advice, my exams are crushing me", "help_seeking": "yes", "condition": "anxiety",
           "causes": ["school"], "source": "test",
           "annotators": [{"help_seeking": "yes", "condition": "anxiety", "causes": ["school"]}] * 3}
    rec.update(over)
    return json.dumps(rec)


def test_parse_gold_reads_the_manifest_schema_and_names_what_is_wrong():
    (r,) = parse_gold([_line(annotators={"a1": {"help_seeking": "no", "condition": "none", "causes": []},
                                         "a2": {"help_seeking": "yes", "condition": "anxiety"},
                                         "a3": {"help_seeking": "yes", "condition": "anxiety", "causes": ["school"]}})])
    assert r["labels"]["causes"]["school"] == 1 and sum(r["labels"]["causes"].values()) == 1
    assert [a["help_seeking"] for a in r["annotators"]] == ["no", "yes", "yes"] and r["annotators"][1]["causes"] == []
    for bad, says in ((_line(condition="sad"), "line 2: condition is 'sad'"),
                      (_line(causes="school"), "line 2: causes is 'school'"),
                      (_line(text=""), "line 2: text is missing"),
                      ("{not json", "line 2: not JSON"),
                      (_line(annotators=[{"help_seeking": "maybe", "condition": "none"}]), "annotator 1: help_seeking")):
        with pytest.raises(GoldFormatError, match=says):
            parse_gold([_line(), bad])


def test_agreement_counts_the_panel_and_checks_the_majority_rule():
    yes = {"help_seeking": "yes", "condition": "anxiety", "causes": ["school"]}
    no = {"help_seeking": "no", "condition": "none", "causes": []}
    lines = [_line(annotators=[yes, yes, no]), _line(help_seeking="no", condition="none", causes=[],
                                                      annotators=[no, no, no]),
             _line(annotators=[yes, yes])]  # a post rated by two: left out of kappa
    ag = agreement(parse_gold(lines))
    assert ag["panel_size"] == 3 and ag["posts_rated_by_panel"] == 2 and ag["posts_left_out"] == {"2": 1}
    assert ag["majority_matches_gold"] == {"help_seeking": 1.0, "condition": 1.0, "causes": 1.0}
    assert ag["annotator_accuracy_vs_gold"]["help_seeking"] == [1.0, 1.0, 0.5]
    # (no, yes) counts [[1, 2], [3, 0]]: P-bar = (1/3 + 1) / 2 = 2/3, P-e = (4/6)^2 + (2/6)^2 = 5/9
    assert ag["fleiss_kappa"]["help_seeking"] == pytest.approx((2 / 3 - 5 / 9) / (1 - 5 / 9))
    assert ag["fleiss_kappa"]["causes"]["work"] is None  # nobody chose it: kappa undefined, not NaN in JSON


def _records(n_per: dict) -> list[dict]:
    out = []
    for (hs, cond), n in n_per.items():
        out += [{"text": f"{hs}-{cond}-{i}", "labels": {"help_seeking": hs, "condition": cond}} for i in range(n)]
    return out


def test_folds_are_stratified_balanced_and_seeded():
    recs = _records({("yes", "anxiety"): 23, ("no", "none"): 40, ("yes", "suicidal"): 7, ("no", "depression"): 1})
    folds = stratified_folds(recs, 5)
    assert np.bincount(folds).max() - np.bincount(folds).min() <= 1
    for stratum in {(r["labels"]["help_seeking"], r["labels"]["condition"]) for r in recs}:
        counts = np.bincount([f for f, r in zip(folds, recs)
                              if (r["labels"]["help_seeking"], r["labels"]["condition"]) == stratum], minlength=5)
        assert counts.max() - counts.min() <= 1
    assert (stratified_folds(recs, 5) == folds).all() and not (stratified_folds(recs, 5, seed=1) == folds).all()
    with pytest.raises(ValueError, match="folds must be between 2"):
        stratified_folds(recs[:3], 5)


def test_cross_fitting_never_uses_the_held_out_fold():
    """Relabelling every post of fold 0 changes no decision or probability in fold 0 (its settings were fitted
    on folds 1-4) and does change the settings of the other folds."""
    cb = primary_codebook()
    rng = np.random.default_rng(0)
    n = 200
    z = rng.normal(0, 2, n)  # the true log-odds of "yes"; y drawn from them, logits scaled by 2.5
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    cond = rng.integers(0, 11, n)
    causes = (rng.random((n, 10)) < 0.2).astype(float)
    windows = [{"help_seeking": np.array([[0.0, 2.5 * z[i]]]),
                "condition": rng.normal(0, 1, (1, 11)) + 2 * np.eye(11)[cond[i]],
                "causes": rng.normal(-1, 1, (1, 10)) + 2.5 * causes[i]} for i in range(n)]
    weights = [[10]] * n
    folds = np.arange(n) % 5

    def enc(labels_y):
        return Encoded([[0]] * n, {"help_seeking": list(labels_y), "condition": list(cond)},
                       {"causes": causes.tolist()}, {"causes": np.ones_like(causes).tolist()}, ["t"] * n)

    preds, probs, settings = cross_fitted(cb, windows, weights, enc(y), folds)
    flipped = y.copy()
    flipped[folds == 0] = 1 - flipped[folds == 0]
    preds2, probs2, settings2 = cross_fitted(cb, windows, weights, enc(flipped), folds)
    held = folds == 0
    assert np.array_equal(probs["help_seeking"][held], probs2["help_seeking"][held])
    assert np.array_equal(preds["help_seeking"][0][held], preds2["help_seeking"][0][held])
    assert settings[0] == settings2[0] and settings[1] != settings2[1]
    # the fit recovers the scale: the logits are the true log-odds times 2.5
    assert 1.8 < settings[0]["help_seeking"]["temperature"] < 3.5
    assert (preds["help_seeking"][0] == y).mean() > 0.7


@pytest.mark.skipif(not (RAW / "reddit-subreddits").exists() or not (MODELS / "default" / "model.json").exists(),
                    reason="shared raw data or models/default not available")
def test_gold_cv_end_to_end_scores_as_the_engine_does(tmp_path):
    from mhelp_pipeline.bootstrap import BootstrapConfig
    from mhelp_pipeline.gold import load_gold
    from mhelp_pipeline.gold_cv import GoldCVConfig, as_shipped, gold_cv
    from mhelp_pipeline.reliability import engine_predictions
    from mhelp_pipeline.sources import reddit_subreddits

    pool = [e for e in reddit_subreddits(RAW, 4)
            if {"help_seeking", "condition", "causes"} <= set(e.labels) and len(e.text.split()) < 400]
    rng = random.Random(0)
    sample = rng.sample(pool, 40)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for split, part in (("train", sample[38:] + sample[:1]), ("dev", sample[37:38])):  # gold post 0 is in train
        (corpus / f"{split}.jsonl").write_text("".join(json.dumps({"text": e.text}) + "\n" for e in part))
    gold_file = tmp_path / "dev.jsonl"
    with gold_file.open("w") as f:
        for e in sample[:37]:
            lab = {"help_seeking": e.labels["help_seeking"], "condition": e.labels["condition"],
                   "causes": sorted(c for c, v in e.labels["causes"].items() if v)}
            f.write(json.dumps({"text": e.text, **lab, "source": e.source, "annotators": [lab] * 3}) + "\n")

    cfg = GoldCVConfig(folds=3, models=(("default", str(MODELS / "default")), ("missing", str(tmp_path / "none"))),
                       bootstrap=BootstrapConfig(resamples=50))
    res = gold_cv(cfg, gold_path=gold_file, out=tmp_path / "gold-cv.json", corpus_dir=corpus, log=lambda m: None)
    assert json.loads((tmp_path / "gold-cv.json").read_text())["gold_posts"] == 36
    assert res["gold_posts_read"] == 37 and res["left_out_in_corpus"] == 1  # the post the models could know
    assert res["agreement"]["posts"] == 37  # agreement is about the annotators: every post read
    assert res["fold_sizes"] == [12, 12, 12] and "skipped" in res["models"]["missing"]
    assert res["agreement"]["fleiss_kappa"]["help_seeking"] == pytest.approx(1.0)
    m = res["models"]["default"]
    assert m["as_shipped"]["help_seeking"]["n"] == 36 and len(m["fold_settings"]) == 3
    assert 0 <= m["cross_fitted"]["causes"]["macro_f1"] <= 1
    from mhelp_pipeline.report_gold import gold_section

    text = "\n".join(gold_section(res, 10))
    assert "| default | as shipped | " in text and "| default | cross-fitted | " in text and "skipped" in text
    assert "help_seeking 1.000" in text  # the stand-in's three identical annotators
    assert sum(r["posts"] for r in res["slices"]["by_source"].values()) == 36 and "| source | r/" in text

    # "as shipped" is the engine: the same decisions as inference.Predictor on every post
    from mhelp_pipeline.inference import WindowRunner

    gold = load_gold(gold_file)[1:]
    meta = json.loads((MODELS / "default" / "model.json").read_text())
    cb = primary_codebook()
    runner = WindowRunner(MODELS / "default" / meta["onnx"], MODELS / "default" / meta["tokenizer"],
                          meta["max_length"], meta["stride"], cb.keys)
    mine, _ = as_shipped(cb, meta, *runner.run_posts([r["text"] for r in gold]))
    engine = engine_predictions(MODELS / "default", gold, tuple(cb.keys))
    for k in cb.keys:
        assert np.array_equal(mine[k][0], engine[k][0]), k


@pytest.mark.skipif(not (RAW / "reddit-subreddits").exists(), reason="shared raw data not available")
def test_retrained_folds_train_on_the_other_folds_gold_only(tmp_path, monkeypatch):
    """Tiny real run (1-layer students, 3 steps, a 2-layer teacher) of gold_retrain: each fold's student sees
    the corpus plus exactly the other folds' gold posts, is exported, and scores only its held-out fold; a
    re-run reuses the students."""
    import torch

    from mhelp_pipeline import gold_retrain
    from mhelp_pipeline.codebook import codebook
    from mhelp_pipeline.distill import DistillConfig
    from mhelp_pipeline.gold import load_gold
    from mhelp_pipeline.model import MultiTaskModel, config_for
    from mhelp_pipeline.sources import reddit_subreddits
    from mhelp_pipeline.train import save_checkpoint

    pool = [e for e in reddit_subreddits(RAW, 4) if {"help_seeking", "condition", "causes"} <= set(e.labels)]
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
    from mhelp_pipeline.bootstrap import BootstrapConfig
    from mhelp_pipeline.gold_cv import GoldCVConfig, gold_cv
    from mhelp_pipeline.report_gold import gold_section

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
    from mhelp_pipeline.batching import encode, load_tokenizer
    from mhelp_pipeline.paths import base_model_dir

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

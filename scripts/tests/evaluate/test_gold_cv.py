"""The gold-dev cross-validation (gold_cv.py): stratified folds, cross-fitted calibration that never sees its
held-out fold, and gold_cv end to end on the shipped model.

The end-to-end test writes a stand-in in the gold schema from real posts sampled from ../shared at run time
(their weak labels as "gold"; deleted with tmp_path): it checks the plumbing, not any gold number."""

import json
import random

import numpy as np
import pytest

from mhelp_pipeline.core.paths import MODELS
from mhelp_pipeline.data.gold import load_gold
from mhelp_pipeline.data.sources import reddit_subreddits
from mhelp_pipeline.evaluate.bootstrap import BootstrapConfig
from mhelp_pipeline.evaluate.gold_cv import GoldCVConfig, cross_fitted, gold_cv, primary_codebook, stratified_folds
from mhelp_pipeline.model.batching import Encoded
from mhelp_pipeline.report.gold import gold_section
from mhelp_pipeline.runtime.inference import WindowRunner, as_shipped, engine_predictions
from mhelp_pipeline.runtime.lexical import model_lexical, post_lexical


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


def test_gold_cv_end_to_end_scores_as_the_engine_does(tmp_path, raw):
    pool = [e for e in reddit_subreddits(raw, 4)
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
    assert "skipped" in res["floor"] and "paired_floor" not in res  # this corpus carries no labels to learn
    assert res["agreement"]["fleiss_kappa"]["help_seeking"] == pytest.approx(1.0)
    m = res["models"]["default"]
    assert m["as_shipped"]["help_seeking"]["n"] == 36 and len(m["fold_settings"]) == 3
    assert 0 <= m["cross_fitted"]["causes"]["macro_f1"] <= 1
    text = "\n".join(gold_section(res, 10))
    if m["calibrated_on_gold"]:  # calibrate-on-gold fitted the shipped settings on (real) gold: in-sample there
        assert "| default | **cross-fitted (headline)** | " in text and "skipped" in text
        assert "| default | as shipped (in-sample: calibrated on these posts) | " in text
    else:
        assert "| default | as shipped | " in text and "| default | cross-fitted | " in text and "skipped" in text
    assert "help_seeking 1.000" in text  # the stand-in's three identical annotators
    assert sum(r["posts"] for r in res["slices"]["by_source"].values()) == 36 and "| source | r/" in text

    # "as shipped" is the engine: the same decisions as inference.Predictor on every post
    gold = load_gold(gold_file)[1:]
    meta = json.loads((MODELS / "default" / "model.json").read_text())
    cb = primary_codebook()
    runner = WindowRunner(MODELS / "default" / meta["onnx"], MODELS / "default" / meta["tokenizer"],
                          meta["max_length"], meta["stride"], cb.keys)
    texts = [r["text"] for r in gold]
    mine, _ = as_shipped(cb, meta, *runner.run_posts(texts), post_lexical(model_lexical(MODELS / "default", meta), texts))
    engine = engine_predictions(MODELS / "default", gold, tuple(cb.keys))
    for k in cb.keys:
        assert np.array_equal(mine[k][0], engine[k][0]), k


def test_cross_fitting_with_extra_posts_adds_them_to_every_fit_set_only():
    """`extra` posts (the silver dev split, in calibrate-on-gold --compare) join each fold's fit set: settings
    change when they carry the opposite labels, and the held-out fold is still never fitted on."""
    cb = primary_codebook()
    rng = np.random.default_rng(1)
    n, m = 150, 60
    z = rng.normal(0, 2, n + m)
    y = (rng.random(n + m) < 1 / (1 + np.exp(-z))).astype(int)
    cond = rng.integers(0, 11, n + m)
    causes = (rng.random((n + m, 10)) < 0.2).astype(float)
    windows = [{"help_seeking": np.array([[0.0, 2.5 * z[i]]]),
                "condition": rng.normal(0, 1, (1, 11)) + 2 * np.eye(11)[cond[i]],
                "causes": rng.normal(-1, 1, (1, 10)) + 2.5 * causes[i]} for i in range(n + m)]
    weights = [[10]] * (n + m)

    def enc(idx, labels_y):
        return Encoded([[0]] * len(idx), {"help_seeking": [int(labels_y[i]) for i in idx], "condition": [int(cond[i]) for i in idx]},
                       {"causes": causes[idx].tolist()}, {"causes": np.ones_like(causes[idx]).tolist()}, ["t"] * len(idx))

    gold, dev = np.arange(n), np.arange(n, n + m)
    folds = np.arange(n) % 5
    _, _, alone = cross_fitted(cb, windows[:n], weights[:n], enc(gold, y), folds)
    _, _, pooled = cross_fitted(cb, windows[:n], weights[:n], enc(gold, y), folds, extra=(windows[n:], weights[n:], enc(dev, 1 - y)))
    assert all(a["help_seeking"] != p["help_seeking"] for a, p in zip(alone, pooled))
    # an empty extra set is the same as none
    _, _, empty = cross_fitted(cb, windows[:n], weights[:n], enc(gold, y), folds, extra=([], [], enc(np.arange(0), y)))
    assert empty == alone


def test_extra_and_only_pick_the_models_gold_cv_scores(tmp_path, capsys):
    """`--extra NAME=DIR` adds a model folder (a student measured, not shipped); `--only` keeps named models in the
    order given; a taken name, a malformed option or an unknown name is an error that says so."""
    import argparse
    from pathlib import Path

    from mhelp_pipeline.evaluate.gold_cv import extra_model, models_from_args

    base = (("default", "models/default"), ("fast", "models/fast"), ("teacher", "t/model"))
    assert extra_model(f"L1={tmp_path}/L1") == ("L1", str(tmp_path / "L1"))
    assert extra_model("L1=rel/dir")[1] == str(Path("rel/dir").resolve())  # the ORT-web runner's cwd is the repo
    for bad in ("L1", "=dir", "L1="):
        with pytest.raises(argparse.ArgumentTypeError):
            extra_model(bad)
    assert models_from_args(base, None, None) == base
    assert models_from_args(base, [("L1", "d1")], None) == base + (("L1", "d1"),)
    assert models_from_args(base, [("L1", "d1")], "L1, teacher") == (("L1", "d1"), ("teacher", "t/model"))
    with pytest.raises(ValueError, match="already taken"):
        models_from_args(base, [("fast", "d1")], None)
    with pytest.raises(ValueError, match="no model named L9"):
        models_from_args(base, [("L1", "d1")], "L9,teacher")

    # the command: a missing gold file or an unknown --only name is a message and exit status 2, not a traceback
    from mhelp_pipeline.cli import main

    assert main(["gold-cv", "--extra", f"L1={tmp_path}", "--only", "L9", "--out", str(tmp_path / "x.json")]) == 2
    assert "no model named L9" in capsys.readouterr().err and not (tmp_path / "x.json").exists()
    # --reference names the model the paired tests compare with; it must be one of those scored
    assert main(["gold-cv", "--only", "default,fast", "--reference", "teacher", "--out", str(tmp_path / "x.json")]) == 2
    assert "--reference teacher: not among the models scored (default, fast)" in capsys.readouterr().err

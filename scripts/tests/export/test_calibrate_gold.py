"""calibrate-on-gold (calibrate_gold.py): the shipped model's primary heads refit on gold, written into a copy of
its model.json with the ONNX graph untouched, and the estimate it records is the cross-fitted gold CV of exactly
that fit (the same numbers gold_cv.py reports for the refit folder).

Like test_gold_cv's end-to-end test, the gold file is a stand-in in the gold schema written from real posts
sampled from ../shared at run time (their weak labels as "gold"; deleted with tmp_path): plumbing, not numbers."""

import json
import random
import shutil

import numpy as np

from mhelp_pipeline.core.io import file_sha256
from mhelp_pipeline.core.paths import MODELS
from mhelp_pipeline.data.sources import reddit_subreddits
from mhelp_pipeline.evaluate.bootstrap import BootstrapConfig
from mhelp_pipeline.evaluate.gold_cv import GoldCVConfig, gold_cv


def test_calibrate_on_gold_refits_primary_heads_and_records_the_cross_fitted_estimate(tmp_path, raw):
    from mhelp_pipeline.export.calibrate_gold import calibrate_on_gold

    pool = [e for e in reddit_subreddits(raw, 4)
            if {"help_seeking", "condition", "causes"} <= set(e.labels) and len(e.text.split()) < 300]
    sample = random.Random(1).sample(pool, 34)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "train.jsonl").write_text("".join(json.dumps({"text": e.text}) + "\n" for e in sample[30:31]))
    (corpus / "dev.jsonl").write_text("".join(json.dumps({"text": e.text, "labels": {}, "source": e.source}) + "\n"
                                              for e in sample[31:34]))
    gold_file = tmp_path / "dev.jsonl"
    with gold_file.open("w") as f:
        for e in sample[:30]:
            lab = {"help_seeking": e.labels["help_seeking"], "condition": e.labels["condition"],
                   "causes": sorted(c for c, v in e.labels["causes"].items() if v)}
            f.write(json.dumps({"text": e.text, **lab, "source": e.source, "annotators": [lab] * 3}) + "\n")
    model = tmp_path / "default"
    shutil.copytree(MODELS / "default", model)
    before = json.loads((model / "model.json").read_text())
    sha = file_sha256(model / before["onnx"])

    boot = BootstrapConfig(resamples=30)
    res = calibrate_on_gold(model, "9.9.9", gold_path=gold_file, corpus_dir=corpus, folds=3, bootstrap=boot,
                            log=lambda m: None)
    after = json.loads((model / "model.json").read_text())
    assert file_sha256(model / after["onnx"]) == sha == after["onnx_sha256"]  # the graph is untouched
    assert after["version"] == "9.9.9" and res["gold_posts"] == 30
    primary = {"help_seeking", "condition", "causes"}
    old = {h["task"]: h for h in before["heads"]}
    for h in after["heads"]:
        if h["task"] not in primary:
            assert h == old[h["task"]]  # auxiliary heads keep their silver-dev settings
        else:
            assert h["temperature"] == res["settings"][h["task"]]["temperature"]
            assert h["thresholds"] == res["settings"][h["task"]]["thresholds"]
            # the shipped folder has lexical heads: every primary head gets a weight fitted with its calibration
            assert 0 <= h["lexical_weight"] == res["settings"][h["task"]]["lexical_weight"] <= 1
    assert after["format_version"] == 4 and after["lexical"]["file"] == "lexical.json"
    causes = next(h for h in after["heads"] if h["task"] == "causes")
    assert len(causes["thresholds"]) == len(causes["labels"])  # one threshold per label
    m = after["metrics"]
    assert m["gold_dev"] is None and "gold_dev_cross_fitted" in m and "in-sample" in m["gold_dev_in_sample_note"]
    assert m["gold_dev_cross_fitted"]["n"] == 30 and m["calibration"]["previous_primary_settings"]["causes"]
    assert "int8_vs_fp32_dev_decision_agreement" not in m  # no fp32 graph given: the stale numbers are dropped

    # the recorded estimate is what gold-cv reports for the refit folder: the same cross-fitted procedure
    cv = gold_cv(GoldCVConfig(folds=3, models=(("default", str(model)),), bootstrap=boot), gold_path=gold_file,
                 out=None, corpus_dir=corpus, log=lambda m: None)["models"]["default"]
    assert np.isclose(cv["cross_fitted"]["help_seeking"]["f1"], m["gold_dev_cross_fitted"]["help_seeking"]["f1_yes"],
                      atol=1e-4)
    assert np.isclose(cv["cross_fitted"]["causes"]["macro_f1"], m["gold_dev_cross_fitted"]["causes"]["macro_f1"],
                      atol=1e-4)
    # and its "as shipped" row is now in-sample: the settings fitted on these very posts
    assert cv["calibrated_on_gold"] is True

"""Weak-labelling rules, dedup and calibration on text written for the tests (never dataset text)."""

import numpy as np

from mhelp_pipeline import weak_labels as wl
from mhelp_pipeline.calibrate import best_f1_threshold, fit_temperature
from mhelp_pipeline.codebook import codebook
from mhelp_pipeline.dedup import duplicate_clusters


def test_help_seeking_rules():
    p = wl.HelpPrior()
    assert wl.help_seeking("My panic is back. Any advice for sleeping?", p) == ("yes", "cue:request")
    assert wl.help_seeking("Just venting, today was awful and I hate it.", p) == ("no", "cue:vent-or-update")
    assert wl.help_seeking("Today was awful. I cried all day.", p) == ("no", "cue:no-question-no-request")
    assert wl.help_seeking("Everything is falling apart. I don't know what to do.", p)[0] == "yes"
    assert wl.help_seeking("Why does this always happen to me?", p) == (None, "unknown:question-without-cue")
    assert wl.help_seeking("Anything at all.", wl.HelpPrior(force="no"))[0] == "no"
    assert wl.help_seeking("I feel low.", wl.HelpPrior(default="yes")) == ("yes", "prior:yes")


def test_condition_rules_suicidal_wins():
    assert wl.condition_from_lexicon("my depression is bad and I want to die")[0] == "suicidal"
    assert wl.condition_from_lexicon("my adhd meds stopped working")[0] == "neurodevelopmental"
    assert wl.condition_from_lexicon("this exam will kill me")[0] is None


def test_dedup_exact_near_and_containment():
    base = "we had a long talk about moving to another city and i still feel unsure about the whole plan"
    texts = [base, base.upper() + "!!", "completely unrelated words about gardening tomatoes in the sunny backyard today ok",
             "intro sentence here. " + base + " and then more words follow at the end of it"]
    assert duplicate_clusters(texts) == [0, 0, 2, 0]


def test_temperature_recovers_scale():
    rng = np.random.default_rng(0)
    task = codebook().task("help_seeking")
    true = rng.normal(size=(4000, 2)) * 2
    y = np.array([rng.choice(2, p=np.exp(r) / np.exp(r).sum()) for r in true])
    t = fit_temperature(task, true * 3.0, y)  # logits 3x over-confident -> T close to 3
    assert 2.5 < t < 3.6


def test_threshold_maximises_f1():
    p = np.array([0.1, 0.2, 0.35, 0.4, 0.8, 0.9, 0.3, 0.05])
    y = np.array([0, 0, 1, 1, 1, 1, 0, 0])
    from mhelp_pipeline.calibrate import CalibrationConfig

    t = best_f1_threshold(p, y, CalibrationConfig(min_positives=1))
    assert 0.3 < t <= 0.35

"""Weak-labelling rules on text written for the tests (never dataset text)."""

from mhelp_pipeline.data import weak_labels as wl


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

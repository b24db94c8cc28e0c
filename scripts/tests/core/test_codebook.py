"""The codebook and its contract constants: primary tasks come from src/engine/codebook.json, every purpose
names a headline metric for exactly the primary tasks."""

import json

from mhelp_pipeline.core.codebook import (AUXILIARY_HEADLINE, REPORTED_HEADLINE, SELECTION_METRIC, STABLE_HEADLINE,
                                          codebook, reported_headline)
from mhelp_pipeline.core.paths import CODEBOOK_JSON


def test_primary_tasks_are_the_ones_codebook_json_marks():
    raw = json.loads(CODEBOOK_JSON.read_text())
    assert codebook().primary == tuple(t["key"] for t in raw["tasks"] if t.get("primary"))
    assert codebook().primary == ("help_seeking", "condition", "causes")
    sub = codebook().subset(codebook().primary)
    assert sub.keys == list(codebook().primary) and sub.version == codebook().version


def test_each_purpose_names_one_headline_per_primary_task():
    cb = codebook()
    for headline in (REPORTED_HEADLINE, STABLE_HEADLINE):
        assert tuple(headline) == cb.primary
    # the two purposes differ only where a macro average over rare labels would swing: causes
    assert {k for k in cb.primary if REPORTED_HEADLINE[k] != STABLE_HEADLINE[k]} == {"causes"}
    assert REPORTED_HEADLINE["causes"] == "macro_f1" and STABLE_HEADLINE["causes"] == "micro_f1"
    assert [reported_headline(t) for t in cb.tasks if not t.primary] == [AUXILIARY_HEADLINE] * (len(cb.tasks) - 3)
    assert set(SELECTION_METRIC) == {t.kind for t in cb.tasks}

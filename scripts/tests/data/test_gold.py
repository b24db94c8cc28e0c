"""The gold file's schema checks (gold.parse_gold) on records written for the test."""


import pytest

from mhelp_pipeline.data.gold import GoldFormatError, parse_gold
from tests.records import gold_line


def test_parse_gold_reads_the_manifest_schema_and_names_what_is_wrong():
    (r,) = parse_gold([gold_line(annotators={"a1": {"help_seeking": "no", "condition": "none", "causes": []},
                                         "a2": {"help_seeking": "yes", "condition": "anxiety"},
                                         "a3": {"help_seeking": "yes", "condition": "anxiety", "causes": ["school"]}})])
    assert r["labels"]["causes"]["school"] == 1 and sum(r["labels"]["causes"].values()) == 1
    assert [a["help_seeking"] for a in r["annotators"]] == ["no", "yes", "yes"] and r["annotators"][1]["causes"] == []
    for bad, says in ((gold_line(condition="sad"), "line 2: condition is 'sad'"),
                      (gold_line(causes="school"), "line 2: causes is 'school'"),
                      (gold_line(text=""), "line 2: text is missing"),
                      ("{not json", "line 2: not JSON"),
                      (gold_line(annotators=[{"help_seeking": "maybe", "condition": "none"}]), "annotator 1: help_seeking")):
        with pytest.raises(GoldFormatError, match=says):
            parse_gold([gold_line(), bad])

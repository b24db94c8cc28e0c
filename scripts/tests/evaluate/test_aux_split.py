"""The held-out split of evaluate/aux_split.py: near duplicates of train rows and of other candidates, on records
written for the test (no post text)."""

import numpy as np

from mhelp_pipeline.evaluate.aux_split import TrainIndex, build_split, leak_summary, split_rows

LONG = ("we had a long talk about moving to another city next spring and i still feel unsure about the whole "
        "plan because my parents live here and my job is going well")
OTHER = ("the garden club meets every thursday evening to swap seeds and talk about tomatoes peppers and the "
         "best way to keep slugs away from young lettuce plants")
TRAIN = [LONG, "my boss keeps piling work on me", OTHER[:60] + " and nothing else of note here at all today"]


def test_train_index_finds_exact_contained_and_short_near_duplicates():
    idx = TrainIndex(TRAIN)
    assert idx.match(LONG.upper() + "!!") == ("exact", 0)
    # half of the words of the long train row, embedded in new text: >= 50 % of the shorter text's 8-grams
    part = " ".join(LONG.split()[:20])
    assert idx.match("so anyway " + part + " which is what i wanted to say in this post today") == ("8gram", 0)
    assert idx.match("my boss keeps piling more work on me") == ("short", 1)  # word-set Jaccard 7/8
    assert idx.match("my cat keeps sleeping on my keyboard") is None
    assert idx.match(OTHER) is None  # shares only a 60-character opening with a train row: < 50 %


def test_split_drops_leaked_dev_rows_and_validation_copies():
    idx = {"t": TrainIndex(TRAIN)}
    src = {"t": ["dreaddit", "sad", "cams"]}
    dev = [{"text": OTHER, "source": "cams", "labels": {"cams_cause": "none"}},
           {"text": "my boss keeps piling more work on me", "source": "sad", "labels": {"sad_cause": "work"}},
           {"text": "a primary-only post with no auxiliary label at all", "source": "reddit-x",
            "labels": {"help_seeking": "yes"}}]
    val = [{"text": OTHER + " .", "source": "v", "labels": {"cams_cause": "none"}},  # a copy of a dev row
           {"text": LONG, "source": "v", "labels": {"dreaddit_stress": "yes"}},  # a copy of a train row
           {"text": "exams next week and i have not started revising", "source": "v",
            "labels": {"sad_cause": "school"}}]
    recs = build_split(dev, val, idx, src, ("cams_cause", "sad_cause", "dreaddit_stress"))
    assert len(recs) == 5  # the primary-only dev row is not a candidate
    assert [r["heldout"] for r in recs] == [True, False, False, False, True]
    assert recs[1]["leak"] == {"t": ["short", "sad"]}
    assert recs[2].get("dup_of_candidate") and not recs[2]["leak"]
    assert recs[3]["leak"] == {"t": ["exact", "dreaddit"]}
    assert list(split_rows(recs, "dev_clean")) == [0]
    assert list(split_rows(recs, "validation")) == [4]
    assert list(split_rows(recs, "heldout")) == [0, 4]
    assert np.array_equal(split_rows(recs, "dev"), [0, 1])
    s = leak_summary(recs, "sad_cause")
    assert s["dev"]["rows"] == 1 and s["dev"]["heldout"] == 0
    assert s["dev"]["near_duplicate_in_train"]["t"] == {"rows": 1, "kind": {"short": 1}, "train_source": {"sad": 1}}
    assert s["validation"] == {"rows": 1, "heldout": 1, "duplicate_of_other_candidate": 0, "sources": {"v": 1},
                               "near_duplicate_in_train": {}}

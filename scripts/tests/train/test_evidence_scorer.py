"""The request-sentence scorer of explain (train/evidence_scorer.py): the sentence rules, the shared vectors the
TypeScript reads (test/engine/evidence.test.ts checks the other side), and learning on a small real sample.

Silver posts are read from ../shared in place; nothing of them is written."""

import json

import numpy as np
import pytest

from mhelp_pipeline.core.paths import SILVER
from mhelp_pipeline.train.evidence_scorer import (SCORER_JSON, VECTORS_JSON, ScorerConfig, fit, held_out,
                                                  labelled_posts, request_prior, sentence_spans,
                                                  top_sentence_hit_rate, vectors)
from mhelp_pipeline.core.io import read_jsonl


def test_sentence_spans_trim_and_split_like_the_engine():
    text = "I can't sleep.  My boss yells at me!\nWhat should I do?  "
    assert [text[a:b] for a, b in sentence_spans(text)] == ["I can't sleep.", "My boss yells at me!", "What should I do?"]
    assert sentence_spans("I have 2.5 hours and no plan") == [(0, 28)]
    assert sentence_spans("") == []
    assert [request_prior(s) for s in ("The house feels empty.", "I need advice.", "Why me?", "Can anyone help?")] \
        == [0, 1, 2, 3]
    assert request_prior("Ñhelp") == 1  # ASCII \b, as in JavaScript: Ñ is not a word character


def test_the_shared_vectors_are_what_the_shipped_scorer_gives():
    shipped = json.loads(SCORER_JSON.read_text(encoding="utf-8"))
    fixture = json.loads(VECTORS_JSON.read_text(encoding="utf-8"))
    assert shipped["format_version"] == 1 and len(shipped["ngrams"]) == shipped["config"]["vocabulary"]
    assert fixture == vectors(shipped)


def test_learns_where_the_request_is_from_a_small_silver_sample():
    records = read_jsonl(SILVER)
    train = labelled_posts([r for r in records if not held_out(r, 5)][:4000])
    test = labelled_posts([r for r in records if held_out(r, 5)][:1000])
    assert len(train) > 1000 and len(test) > 250
    weights = fit(train, ScorerConfig(vocabulary=800))
    learned = top_sentence_hit_rate(weights, test)
    # the request-cue prior alone (a question mark, request words; ties: first), no learning
    prior = float(np.mean([labels[int(np.argmax([request_prior(s) for s in sents]))] for sents, labels in test]))
    first = float(np.mean([labels[0] for _, labels in test]))
    assert learned > prior + 0.08 and learned > first + 0.08, (learned, prior, first)
    assert weights["ngrams"].get("advice", 0) > 0

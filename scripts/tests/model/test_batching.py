"""The batches of the fixed-budget runs (distillation, the ablation): full, from the pool, reshuffled each pass."""

import random

import numpy as np

from mhelp_pipeline.model.batching import Encoded, bucketed_batches, endless_full_batches


def test_endless_batches_are_full_and_from_the_pool():
    enc = Encoded(ids=[[101] + [7] * (i % 9) + [102] for i in range(50)], single={}, multi={}, multi_mask={},
                  sources=["t"] * 50)
    pool = np.arange(0, 50, 2)
    it = endless_full_batches(enc, 4, random.Random(0), pool=pool)
    seen = [next(it) for _ in range(20)]  # more than one pass over the pool
    assert all(len(b) == 4 for b in seen)
    assert set(i for b in seen for i in b) <= set(pool.tolist())


def test_one_pass_covers_every_example_once_in_batches_of_similar_length():
    enc = Encoded(ids=[[101] + [7] * (i % 9) + [102] for i in range(50)], single={}, multi={}, multi_mask={},
                  sources=["t"] * 50)
    batches = bucketed_batches(enc, 4, random.Random(0))
    assert sorted(i for b in batches for i in b) == list(range(50))
    assert [len(b) for b in batches].count(4) == 12  # one short batch: the rest
    it = endless_full_batches(enc, 4, random.Random(0))
    assert [next(it) for _ in range(12)] == [b for b in batches if len(b) == 4]  # the same first pass

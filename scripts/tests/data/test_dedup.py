"""Exact, near-duplicate and containment clustering on text written for the test."""

from mhelp_pipeline.data.dedup import duplicate_clusters


def test_dedup_exact_near_and_containment():
    base = "we had a long talk about moving to another city and i still feel unsure about the whole plan"
    texts = [base, base.upper() + "!!", "completely unrelated words about gardening tomatoes in the sunny backyard today ok",
             "intro sentence here. " + base + " and then more words follow at the end of it"]
    assert duplicate_clusters(texts) == [0, 0, 2, 0]

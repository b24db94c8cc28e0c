"""The Python normaliser must match the shared vectors that the TypeScript engine is tested on."""

import json

import pytest

from mhelp_pipeline.core.paths import REPO
from mhelp_pipeline.data.normalise import NORMALISATION_VERSION, normalise

VECTORS = json.loads((REPO / "test/fixtures/normalise-vectors.json").read_text("utf-8"))


def test_version_matches_vectors():
    assert VECTORS["normalisation_version"] == NORMALISATION_VERSION


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_vector(case):
    assert normalise(case["input"]) == case["expected"]

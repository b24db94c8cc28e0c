"""The Python normaliser must match the shared vectors that the TypeScript engine is tested on."""

import json
from pathlib import Path

import pytest

from mhelp_pipeline.normalise import NORMALISATION_VERSION, normalise

VECTORS = json.loads((Path(__file__).resolve().parents[2] / "test/fixtures/normalise-vectors.json").read_text("utf-8"))


def test_version_matches_vectors():
    assert VECTORS["normalisation_version"] == NORMALISATION_VERSION


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_vector(case):
    assert normalise(case["input"]) == case["expected"]

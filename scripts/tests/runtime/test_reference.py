"""The shipped models/default reproduces test/fixtures/parity.json (reference.py's output, which the
TypeScript engine is tested against) through inference.Predictor."""

import json

import numpy as np

from mhelp_pipeline.core.paths import MODELS, PARITY_FIXTURE
from mhelp_pipeline.data.normalise import normalise
from mhelp_pipeline.runtime.inference import Predictor


def test_parity_fixture_reproduces():
    fx = json.loads(PARITY_FIXTURE.read_text())
    pred = Predictor(MODELS / "default")
    assert pred.meta["onnx_sha256"] == fx["onnx_sha256"]
    for case in fx["cases"]:
        assert normalise(case["text"]) == case["normalised"]
        out = pred.predict(case["normalised"])
        assert out["windows"] == case["windows"], case["name"]
        for k, v in case["logits"].items():  # the same WASM arithmetic: equal, not merely close
            assert np.allclose(out["logits"][k], v, atol=1e-6), (case["name"], k)
        assert {k: h["labels"] for k, h in out["heads"].items()} == case["labels"], case["name"]
    assert any(len(c["windows"]) >= 3 for c in fx["cases"])

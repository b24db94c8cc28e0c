"""ONNX export: fp32 graph == torch logits; int8 graph close and made of standard ops only; the shipped
model folder (when built) agrees with the codebook and reproduces the parity fixture."""

import json

import numpy as np
import pytest
import torch

from mhelp_pipeline.batching import load_tokenizer
from mhelp_pipeline.codebook import codebook
from mhelp_pipeline.export import export_onnx, graph_ops, onnx_logits
from mhelp_pipeline.quantise import quantise
from mhelp_pipeline.inference import content_windows, wrap
from mhelp_pipeline.model import MultiTaskModel, config_for, load_pretrained_encoder
from mhelp_pipeline.normalise import normalise
from mhelp_pipeline.paths import MODELS, PARITY_FIXTURE, base_model_dir

TEXTS = [
    "I can't stop worrying about my exams. Has anyone got tips for sleeping the night before?",
    "Feeling better this week, thanks to everyone who replied to my last post.",
    "short",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    d = tmp_path_factory.mktemp("onnx")
    model = MultiTaskModel(config_for(codebook(), layers=2))
    load_pretrained_encoder(model, base_model_dir())
    model.eval()
    export_onnx(model, d / "m.onnx")
    quantise(d / "m.onnx", d / "m8.onnx", "weight_only")
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    ids = [wrap(content_windows(tok.encode(normalise(t), add_special_tokens=False).ids, 128, 32)[0], cls, sep)
           for t in TEXTS]
    return model, d, ids


def test_fp32_onnx_matches_torch(exported):
    model, d, ids = exported
    onnx_out = onnx_logits(d / "m.onnx", ids, runtime="native")
    for i, seq in enumerate(ids):
        with torch.no_grad():
            ref = model(torch.tensor([seq]), torch.ones(1, len(seq), dtype=torch.long))
        for k, v in ref.items():
            assert np.allclose(onnx_out[k][i], v[0].numpy(), atol=1e-4), k


def test_int8_close_and_standard_ops(exported):
    _, d, ids = exported
    a, b = onnx_logits(d / "m.onnx", ids, runtime="native"), onnx_logits(d / "m8.onnx", ids, runtime="native")
    assert max(np.abs(a[k] - b[k]).max() for k in a) < 0.05
    ops = graph_ops(d / "m8.onnx")
    assert not [o for o in ops if "." in o], ops  # no com.microsoft contrib ops
    assert "DequantizeLinear" in ops and "MatMulInteger" not in ops
    assert (d / "m8.onnx").stat().st_size < 0.4 * (d / "m.onnx").stat().st_size


def test_dynamic_int8_standard_ops_and_close(exported):
    _, d, ids = exported
    quantise(d / "m.onnx", d / "m8d.onnx", "dynamic")
    ops = graph_ops(d / "m8d.onnx")
    assert not [o for o in ops if "." in o], ops  # WASM runs standard ops only
    assert "MatMulInteger" in ops and "DynamicQuantizeLinear" in ops
    a, b = onnx_logits(d / "m.onnx", ids, runtime="native"), onnx_logits(d / "m8d.onnx", ids)
    assert max(np.abs(a[k] - b[k]).max() for k in a) < 0.5  # activation rounding: looser than weight-only


def test_ort_web_runtime_reproduces_native_fp32(exported):
    """scripts/ort_web_runner.mjs (the Worker's WASM runtime) and native onnxruntime agree on fp32 graphs;
    they are allowed to differ only where int8 activations are rounded (ort_web.py)."""
    _, d, ids = exported
    web, native = onnx_logits(d / "m.onnx", ids, runtime="ort-web"), onnx_logits(d / "m.onnx", ids, runtime="native")
    assert max(np.abs(web[k] - native[k]).max() for k in web) < 1e-4
    from mhelp_pipeline.ort_web import OrtWebSession

    sess = OrtWebSession(d / "m.onnx")
    with pytest.raises(ValueError, match="one unpadded window"):
        sess.run(None, {"input_ids": np.ones((2, 3), np.int64), "attention_mask": np.ones((2, 3), np.int64)})
    sess.close()


def test_dynamic_batch_and_seq(exported):
    _, d, _ = exported
    import onnxruntime as ort

    sess = ort.InferenceSession(str(d / "m.onnx"), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"input_ids": np.full((3, 7), 2000, np.int64), "attention_mask": np.ones((3, 7), np.int64)})
    assert [o.name for o in sess.get_outputs()] == codebook().keys
    assert [o.shape for o in out] == [(3, t.n) for t in codebook().tasks]


@pytest.mark.skipif(not (MODELS / "default" / "model.json").exists(), reason="models/default not built")
def test_shipped_model_json_matches_codebook_and_file():
    import hashlib

    meta = json.loads((MODELS / "default" / "model.json").read_text())
    cb = codebook()
    assert [h["task"] for h in meta["heads"]] == cb.keys
    for h, t in zip(meta["heads"], cb.tasks):
        assert h["labels"] == list(t.labels) and h["kind"] == t.kind
        if h["thresholds"] is not None:
            assert len(h["thresholds"]) == (1 if t.kind == "single_label" else t.n)
    data = (MODELS / "default" / meta["onnx"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == meta["onnx_sha256"]
    assert len(data) < 25_000_000
    assert meta["codebook_version"] == cb.version


@pytest.mark.skipif(not PARITY_FIXTURE.exists(), reason="parity fixture not written")
def test_parity_fixture_reproduces():
    from mhelp_pipeline.inference import Predictor

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

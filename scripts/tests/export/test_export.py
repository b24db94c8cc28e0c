"""ONNX export: fp32 graph == torch logits; int8 graphs close and made of standard ops only; the shipped
model folder agrees with the codebook and its file."""

import json

import numpy as np
import torch

from mhelp_pipeline.core.codebook import codebook
from mhelp_pipeline.core.paths import MODELS
from mhelp_pipeline.export.export import graph_ops, onnx_logits
from mhelp_pipeline.export.quantise import quantise


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


def test_dynamic_batch_and_seq(exported):
    _, d, _ = exported
    import onnxruntime as ort

    sess = ort.InferenceSession(str(d / "m.onnx"), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"input_ids": np.full((3, 7), 2000, np.int64), "attention_mask": np.ones((3, 7), np.int64)})
    assert [o.name for o in sess.get_outputs()] == codebook().keys
    assert [o.shape for o in out] == [(3, t.n) for t in codebook().tasks]


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

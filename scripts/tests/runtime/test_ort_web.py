"""onnxruntime-web (the Worker's WASM runtime, through scripts/ort_web_runner.mjs) as the pipeline's runtime."""

import numpy as np
import pytest

from mhelp_pipeline.export.export import onnx_logits
from mhelp_pipeline.runtime.ort_web import OrtWebSession


def test_ort_web_runtime_reproduces_native_fp32(exported):
    """scripts/ort_web_runner.mjs (the Worker's WASM runtime) and native onnxruntime agree on fp32 graphs;
    they are allowed to differ only where int8 activations are rounded (ort_web.py)."""
    _, d, ids = exported
    web, native = onnx_logits(d / "m.onnx", ids, runtime="ort-web"), onnx_logits(d / "m.onnx", ids, runtime="native")
    assert max(np.abs(web[k] - native[k]).max() for k in web) < 1e-4
    sess = OrtWebSession(d / "m.onnx")
    with pytest.raises(ValueError, match="one unpadded window"):
        sess.run(None, {"input_ids": np.ones((2, 3), np.int64), "attention_mask": np.ones((2, 3), np.int64)})
    sess.close()

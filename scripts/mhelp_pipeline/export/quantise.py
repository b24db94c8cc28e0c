"""int8 quantisation of the exported fp32 ONNX graph.

Two methods, both emitting only standard ONNX ops that onnxruntime-web's WASM build runs:

- ``dynamic`` (shipped default since 0.3.0; onnxruntime ``quantize_dynamic``, QInt8 weights, per-channel):
  activations are quantised at run time (DynamicQuantizeLinear + MatMulInteger), which halves the WASM
  time per window (L3, 128 tokens: 21 vs 44 ms in ORT-web under Node). One activation scale per tensor
  means a window's logits depend on its batch-mates and padding, so the engine and the Python reference
  run each window alone. Native x86 onnxruntime rounds a few activations differently from the WASM build,
  so the pipeline computes int8 logits with onnxruntime-web itself (ort_web.py).
- ``weight_only`` (the default until 0.2.0): every MatMul weight becomes int8 with one symmetric scale per
  output channel, restored by ``DequantizeLinear`` (axis=1) in front of an ordinary fp32 MatMul; the
  word-embedding table becomes int8 with one scale per row (``Gather`` int8 rows -> ``Cast`` -> ``Mul`` by
  the gathered row scales, so only the looked-up rows are dequantised). Size drops ~4x, the arithmetic stays
  fp32. With ``session.disable_quant_qdq=1`` (set by the engine and the reference) constant folding turns
  the weights back into fp32 once at load: 12 % faster than dequantising on every run.

Python runs the graphs with ``ORT_ENABLE_BASIC``: at the extended level native onnxruntime fuses
DequantizeLinear+MatMul into a quantised-activation kernel that the WASM build does not use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

EMBEDDING_MIN_ROWS = 10_000  # only the word-embedding table (30522 rows), not positions (512)


def _symmetric_int8(w: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-slice symmetric int8: scale = max|w| / 127 along every slice orthogonal to `axis`."""
    scale = np.abs(w).max(axis=axis, keepdims=True) / 127.0
    scale = np.where(scale == 0, 1e-8, scale).astype(np.float32)
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale


def quantise_weight_only(fp32: Path, out: Path) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(fp32))
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    new_inits, replaced, nodes = [], set(), []
    for node in g.node:
        if node.op_type == "MatMul" and node.input[1] in inits and len(inits[node.input[1]].dims) == 2:
            name = node.input[1]
            q, scale = _symmetric_int8(numpy_helper.to_array(inits[name]).astype(np.float32), axis=0)
            scale = scale.reshape(-1)  # one scale per output column
            new_inits += [numpy_helper.from_array(q, f"{name}_int8"), numpy_helper.from_array(scale, f"{name}_scale"),
                          numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), f"{name}_zero")]
            nodes.append(helper.make_node("DequantizeLinear", [f"{name}_int8", f"{name}_scale", f"{name}_zero"],
                                          [f"{name}_dq"], axis=1, name=f"{name}_DequantizeLinear"))
            node.input[1] = f"{name}_dq"
            replaced.add(name)
            nodes.append(node)
        elif (node.op_type == "Gather" and node.input[0] in inits
              and inits[node.input[0]].dims[0] >= EMBEDDING_MIN_ROWS):
            name, ids, out_name = node.input[0], node.input[1], node.output[0]
            q, scale = _symmetric_int8(numpy_helper.to_array(inits[name]).astype(np.float32), axis=1)
            new_inits += [numpy_helper.from_array(q, f"{name}_int8"), numpy_helper.from_array(scale, f"{name}_scale")]
            nodes += [
                helper.make_node("Gather", [f"{name}_int8", ids], [f"{out_name}_int8"], name=f"{name}_GatherInt8"),
                helper.make_node("Cast", [f"{out_name}_int8"], [f"{out_name}_f"], to=TensorProto.FLOAT,
                                 name=f"{name}_Cast"),
                helper.make_node("Gather", [f"{name}_scale", ids], [f"{out_name}_scale"], name=f"{name}_GatherScale"),
                helper.make_node("Mul", [f"{out_name}_f", f"{out_name}_scale"], [out_name], name=f"{name}_Scale"),
            ]
            replaced.add(name)
        else:
            nodes.append(node)
    g.ClearField("node")
    g.node.extend(nodes)
    kept = [i for i in g.initializer if i.name not in replaced]
    g.ClearField("initializer")
    g.initializer.extend(kept + new_inits)
    onnx.checker.check_model(model)
    onnx.save(model, str(out))


def quantise_dynamic(fp32: Path, out: Path, per_channel: bool) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=per_channel)


def down_projections(fp32: Path) -> list[str]:
    """MatMul nodes whose constant weight narrows its input (rows > columns): the FFN output projections,
    fed by the wide post-GELU activations whose outliers one per-tensor int8 scale resolves worst."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(fp32))
    inits = {i.name: i for i in model.graph.initializer}
    return [n.name for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in inits
            and len(inits[n.input[1]].dims) == 2 and inits[n.input[1]].dims[0] > inits[n.input[1]].dims[1]]


def quantise_mixed(fp32: Path, out: Path, per_channel: bool) -> None:
    """Dynamic int8 for every weight MatMul except the FFN down-projections, which stay weight-only (int8
    on disk, fp32 arithmetic); heads and the word embeddings as in weight_only (per-row table)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_suffix(".dynamic-part.onnx")
    quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=per_channel,
                     op_types_to_quantize=["MatMul"], nodes_to_exclude=down_projections(fp32))
    try:
        quantise_weight_only(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


QUANTISATIONS = ("mixed", "dynamic", "weight_only")


def quantise(fp32: Path, out: Path, method: str = "mixed", per_channel: bool = True) -> None:
    if method == "weight_only":
        quantise_weight_only(fp32, out)
    elif method == "dynamic":
        quantise_dynamic(fp32, out, per_channel)
    elif method == "mixed":
        quantise_mixed(fp32, out, per_channel)
    else:
        raise ValueError(f"unknown quantisation method {method!r}; one of {QUANTISATIONS}")

"""The report's int8-method section, from reports/quantisation.json (evaluate/quant_compare.py)."""

from __future__ import annotations

from .cells import number as _f


def quantisation_section(q: dict, number: int) -> list[str]:
    out = [f"## {number}. int8 method", "",
           "`python -m mhelp_pipeline quantisation` (quant_compare.py): one checkpoint's fp32 graph "
           f"(`{q['fp32']}`) quantised three ways, each calibrated and scored on whole dev posts exactly as "
           "export.py does (onnxruntime-web), plus onnxruntime-web ms per 128-token window in Node "
           "(interleaved runs: compare within the table).", "",
           "| method | int8 ONNX | Node ms/window (median) | help F1 | condition accuracy | causes macro-F1 | first-window "
           "decisions = fp32 (help / condition / causes) |", "|---|---:|---:|---:|---:|---:|---|"]
    for name, m in q["methods"].items():
        if "weak_dev_post_level" not in m:
            out.append(f"| {name} (reference) | – | {_f(m['node_ms']['median_ms'], 1)} | – | – | – | – |")
            continue
        w, a = m["weak_dev_post_level"], m["same_first_window_decision_as_fp32"]
        out.append(f"| {name} | {m['bytes'] / 1e6:.1f} MB | {_f(m['node_ms']['median_ms'], 1)} | {_f(w['help_seeking'])} | "
                   f"{_f(w['condition'])} | {_f(w['causes'])} | {100 * a['help_seeking']:.1f} / "
                   f"{100 * a['condition']:.1f} / {100 * a['causes']:.1f} % |")
    return out + [""]

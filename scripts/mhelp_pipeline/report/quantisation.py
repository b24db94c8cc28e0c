"""The report's int8-method section, from reports/quantisation.json (evaluate/quant_compare.py)."""

from __future__ import annotations

from .cells import number as _f

_HEADS = ("help_seeking", "condition", "causes")


def _agree(a: dict | None) -> str:
    return "–" if not a else " / ".join(f"{100 * a[h]:.1f}" for h in _HEADS) + " %"


def quantisation_section(q: dict, number: int) -> list[str]:
    sets = list(q.get("first_windows", {}))
    target = q.get("target", 0.99)
    out = [f"## {number}. int8 method", "",
           "`python -m mhelp_pipeline quantisation` (quant_compare.py): the fp32 graph "
           f"(`{q['fp32']}`) of `{q.get('model', 'models/default')}` {q.get('version', '')} quantised by each "
           "candidate; per candidate the share of first windows on which it makes the same shipped decision as "
           "fp32 (that model.json's temperatures and thresholds; help_seeking and condition per post, causes per "
           f"(post, cause) pair; both graphs in {'native onnxruntime' if q.get('runtime') == 'native' else 'onnxruntime-web'}, "
           "one window per run) on "
           + ", ".join(f"{k.replace('_', ' ')} ({n:,} posts)" for k, n in q.get("first_windows", {}).items())
           + f"; the size of the .onnx; onnxruntime-web ms per 128-token window in Node (interleaved runs on "
           f"shared cores: compare within the table). Issue target: ≥ {100 * target:.0f} % on all three heads.", "",
           "| method | shipped | int8 ONNX | Node ms/window (median) | time vs shipped | "
           + " | ".join(f"same decision as fp32, {k.replace('_', ' ')} (help / condition / causes)" for k in sets)
           + " | meets target |",
           "|---|:---:|---:|---:|---:|" + "---|" * len(sets) + ":---:|"]
    for name, m in q["methods"].items():
        ms = (m.get("node_ms") or {}).get("median_ms")
        if "same_decision_as_fp32" not in m:
            out.append(f"| {name} (reference) | – | {q.get('fp32_bytes', 0) / 1e6:.1f} MB | {_f(ms, 1)} | – | "
                       + " | ".join("–" for _ in sets) + " | – |")
            continue
        ratio = m.get("time_ratio_vs_shipped")
        out.append(f"| {name} | {'yes' if m.get('is_shipped_graph') else ''} | {m['bytes'] / 1e6:.1f} MB | {_f(ms, 1)} | "
                   f"{'–' if ratio is None else f'{ratio:.2f}×'} | "
                   + " | ".join(_agree(m["same_decision_as_fp32"].get(k)) for k in sets)
                   + f" | {'yes' if m.get('meets_target') else 'no'} |")
    qual = q.get("would_qualify")
    if qual is not None:
        out += ["", ("A candidate meets the target on every head at ≤ "
                     f"{100 * (q.get('max_time_ratio', 1.25) - 1):.0f} % more time per window than the shipped "
                     f"method: {', '.join(qual)} (not shipped by this run: switching is a separate decision)."
                     if qual else "No candidate meets the target on every head (the shipped one included) at ≤ "
                     f"{100 * (q.get('max_time_ratio', 1.25) - 1):.0f} % more time per window than the shipped method: "
                     "the shipped method stays.")]
    return out + [""]

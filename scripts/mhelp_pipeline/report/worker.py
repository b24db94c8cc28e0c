"""The report's Worker section: CPU time and memory in local workerd, from the latest full
bench/results/worker-*.json (``npm run bench:worker``) of the current model version per variant."""

from __future__ import annotations

import json
from pathlib import Path

from .cells import number as _f

WORKER_BUDGET_MS = 50  # issue: <= 50 ms CPU per post in workerd


def worker_benches(bench_dir: Path, version: str) -> list[dict]:
    """The latest full (not --quick) bench/results/worker-*.json per variant whose ``worker.model.version`` is
    ``version``, default first; each with its file name under "file"."""
    latest: dict[str, tuple[tuple, dict]] = {}
    for f in sorted(bench_dir.glob("worker-*.json")):
        d = json.loads(f.read_text())
        model = (d.get("worker") or {}).get("model") or {}
        if d.get("quick") or model.get("version") != version:
            continue
        variant = model.get("variant", "default")
        key = (d.get("started") or "", f.name)
        if variant not in latest or key >= latest[variant][0]:
            latest[variant] = (key, {"file": f.name, **d})
    return [latest[v][1] for v in sorted(latest, key=lambda v: (v != "default", v))]


def worker_section(meta: dict, benches: list[dict], number: int) -> list[str]:
    out = [f"## {number}. Worker CPU time, memory (local workerd)", ""]
    if not benches:
        return out + [f"`npm run bench:worker` has not been run for {meta['name']} {meta['version']} (no "
                      "bench/results/worker-*.json records this model version).", ""]
    out += ["`npm run bench:worker` (bench/worker-latency.mjs; `-- --variant fast` for the fast build): wrangler dev on "
            "127.0.0.1, one sequential client, synthetic ~110-token posts written by the script, CPU ms per request "
            f"read from the workerd processes; the same engine in Node in the same run as the baseline. Only runs of "
            f"model version {meta['version']} are shown.", "",
            "| variant | model | cold first request (CPU ms) | 1 post, miss: p50 ms / CPU ms | 1 post, hit: p50 ms | 32 posts: "
            "CPU ms (per post) | Node 1 post p50 ms | ORT WASM memory |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    budget = []
    for b in benches:
        w = b["worker"]
        variant = w["model"].get("variant", "default")
        rows = {r["name"]: r for r in w["rows"]}
        miss, hit, b32 = (rows.get(k) or {} for k in ("1 post, cache miss", "1 post, cache hit",
                                                       "32 posts, cache miss"))
        node1 = b["nodeEngine"]["rows"][0]["p50"] if b.get("nodeEngine") else None
        per_post = None if b32.get("cpuMsPerReq") is None else b32["cpuMsPerReq"] / 32
        out.append(f"| {variant} | {w['model']['name']} {w['model']['version']} | {w['cold']['cpuMs']} | "
                   f"{_f(miss.get('p50'), 1)} / {_f(miss.get('cpuMsPerReq'), 1)} | {_f(hit.get('p50'), 1)} | "
                   f"{_f(b32.get('cpuMsPerReq'), 0)} ({_f(per_post, 1)}) | {_f(node1, 1)} | "
                   f"{_f((w.get('wasmMemoryMb') or {}).get('end'), 1)} MB |")
        if miss.get("cpuMsPerReq") is not None:
            ms = miss["cpuMsPerReq"]
            budget.append(f"{variant} {ms:.1f} ms ({'within' if ms <= WORKER_BUDGET_MS else 'over'})")
    out += ["", "Files: " + ", ".join(f"`bench/results/{b['file']}`" for b in benches) + f". The issue's budget is "
            f"≤ {WORKER_BUDGET_MS} ms CPU per post in workerd; single-post cache miss: "
            + ("; ".join(budget) or "not recorded") + ".", ""]
    return out

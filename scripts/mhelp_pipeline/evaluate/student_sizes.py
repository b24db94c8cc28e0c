"""Student sizes on the frontier -> reports/student-sizes.json (issue 13, item 4: "at least three student sizes
on the frontier: gold-CV accuracy vs workerd CPU ms per ~128-token post vs int8 MB").

``python -m mhelp_pipeline student-sizes [--extra-gold-cv ../reports/gold-cv-L1.json] [--runs 50]``

**Primary metric**: per model, the 5-fold **cross-fitted** gold help-seeking F1 (gold_cv.py's headline, 95 %
bootstrap interval, and the paired difference to the teacher on the same gold posts), set against
onnxruntime-web ms per 128-token window in Node (scripts/bench_ort_web.mjs, one interleaved run over every
model, so ``ms_ratio_to_default`` is the comparable number; absolute ms depend on the machine's load) and the
int8 ONNX size in MB (10^6 bytes, the file the Worker loads). Condition accuracy and causes macro-F1 (also
cross-fitted, with intervals and paired differences) are reported beside it.

Rows: the three student depths (L1: distilled and measured here, **not shipped**; L2 = ``models/fast``;
L3 = ``models/default``) and their 6-layer teacher. Gold numbers are read, not recomputed: the shipped models'
and the teacher's from reports/gold-cv.json, each extra model's from its own gold-cv run (``gold-cv --extra
L1=DIR --only L1,teacher --out ...``). gold-cv is deterministic (same folds, seed and bootstrap seed), so the
teacher appears in both reports; its numbers must agree (``teacher_check``: within 0.005, and whether exactly)
before rows from two reports are put side by side. Not workerd: Node's WASM runs the same graphs; workerd CPU
ms per post are measured for the shipped default by bench/worker-latency.mjs, and the ratio to default is the
number to carry over (an assumption: it was not measured in workerd for L1). ``frontier`` lists the rows no
other row beats on all three axes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.codebook import REPORTED_HEADLINE
from ..core.paths import BUILD, MODELS, REPO, REPORTS, repo_relative, shipped_teacher_dir

TASKS = tuple(REPORTED_HEADLINE)  # help_seeking f1, condition accuracy, causes macro_f1


@dataclass(frozen=True)
class Row:
    name: str  # the row's name in student-sizes.json
    cv_name: str  # the model's name in its gold-cv report
    report: str  # the gold-cv report that scored it
    shipped: str | None  # models/<variant> when shipped


def default_rows(extra_report: Path) -> tuple[Row, ...]:
    main = str(REPORTS / "gold-cv.json")
    return (Row("L1", "L1", str(extra_report), None), Row("L2", "fast", main, "fast"),
            Row("L3", "default", main, "default"), Row("teacher", "teacher", main, None))


def _ci(scores: dict, metric: str) -> dict:
    c = scores["ci"][metric]
    return {"value": round(c["value"], 4), "ci95": [round(c["ci_low"], 4), round(c["ci_high"], 4)]}


def gold_row(report: dict, name: str) -> dict:
    """The cross-fitted headline metrics of ``name`` in a gold-cv report, with intervals and the paired
    difference to that report's teacher."""
    m = report["models"][name]
    cv = m["cross_fitted"]
    out = {t: _ci(cv[t], metric) | {"metric": metric} for t, metric in REPORTED_HEADLINE.items()}
    out["help_seeking_ece"] = round(m["help_seeking_ece"]["cross_fitted"], 4)
    paired = report.get("paired", {}).get(f"{name} - {report['config']['teacher']}")
    if paired:
        out["paired_vs_teacher"] = {t: {"diff": round(p["diff"], 4), "ci95": [round(p["ci_low"], 4),
                                        round(p["ci_high"], 4)], "p_value": round(p["p_value"], 4)}
                                    for t, p in paired.items()}
    return out


def teacher_check(reports: dict[str, dict], teacher: str = "teacher", tolerance: float = 0.005) -> dict:
    """The teacher's cross-fitted headline values in every report: equal when the reports used the same gold
    posts, folds and bootstrap, which is what makes their rows comparable. ``agree`` allows ``tolerance`` (onnxruntime
    on another thread count may round a logit differently and flip a borderline post); ``identical`` says
    whether they are exactly equal."""
    vals = {p: [r["models"][teacher]["cross_fitted"][t]["ci"][m]["value"] for t, m in REPORTED_HEADLINE.items()]
            for p, r in reports.items() if teacher in r.get("models", {}) and "cross_fitted" in r["models"][teacher]}
    same = [r["gold_posts"] for r in reports.values()]
    folds = [r["fold_sizes"] for r in reports.values()]
    first = next(iter(vals.values()), None)
    diff = max((abs(a - b) for v in vals.values() for a, b in zip(v, first)), default=None)
    alike = len(vals) == len(reports) and len(set(same)) == 1 and all(f == folds[0] for f in folds)
    return {"reports": list(reports), "teacher_headline_values": vals, "gold_posts": same,
            "max_abs_difference": diff, "identical": alike and diff == 0, "agree": alike and diff <= tolerance}


def pareto(rows: dict[str, dict]) -> list[str]:
    """Rows no other row beats on all of: higher gold help-seeking F1, fewer ms per window, fewer int8 MB
    (at least as good on each and strictly better on one)."""
    def key(r):
        return (-r["gold_cv"]["help_seeking"]["value"], r["ms_per_window"]["median"], r["int8_mb"])

    out = []
    for n, r in rows.items():
        a = key(r)
        if not any(all(x <= y for x, y in zip(key(o), a)) and key(o) != a for m, o in rows.items() if m != n):
            out.append(n)
    return out


def bench(models: dict[str, Path], runs: int, log=print) -> dict:
    args = [f"{n}={p.resolve()}" for n, p in models.items()]  # Node runs from the repository root
    cmd = ["node", "scripts/with-node22.mjs", "scripts/bench_ort_web.mjs", "--runs", str(runs), *args]
    log("latency: " + " ".join(cmd))
    return json.loads(subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True,
                                      timeout=1200).stdout)


def student_sizes(rows: tuple[Row, ...], dirs: dict[str, Path], runs: int = 50, out: Path | None =
                  REPORTS / "student-sizes.json", timing: dict | None = None, log=print) -> dict:
    """``dirs``: row name -> model folder (model.json + int8 graph). ``timing``: bench_ort_web.mjs's output
    (tests; by default it is measured)."""
    t0 = time.time()
    reports = {p: json.loads(Path(p).read_text()) for p in dict.fromkeys(r.report for r in rows)}
    check = teacher_check({repo_relative(p): r for p, r in reports.items()})
    if not check["agree"]:
        raise ValueError(f"the gold-cv reports do not score the teacher alike, so their rows are not comparable: "
                         f"{json.dumps(check)}")
    metas = {r.name: json.loads((dirs[r.name] / "model.json").read_text()) for r in rows}
    graphs = {r.name: dirs[r.name] / metas[r.name]["onnx"] for r in rows}
    timing = timing or bench(graphs, runs, log)
    base = timing["models"]["L3"]["median_ms"]
    res_rows = {}
    for r in rows:
        meta, t = metas[r.name], timing["models"][r.name]
        res_rows[r.name] = {
            "shipped": f"models/{r.shipped}" if r.shipped else None,
            "dir": repo_relative(dirs[r.name]),
            "layers": meta["architecture"]["layers"], "params": meta["architecture"]["params"],
            "calibration_fitted_on": ((meta.get("metrics") or {}).get("calibration") or {}).get("fitted_on"),
            "training": {k: meta["training"].get(k) for k in ("seed", "steps", "wall_seconds", "hardware")},
            "int8_bytes": graphs[r.name].stat().st_size,
            "int8_mb": round(graphs[r.name].stat().st_size / 1e6, 2),
            "ms_per_window": {"median": t["median_ms"], "p10": t["p10_ms"], "p90": t["p90_ms"], "runs": t["runs"]},
            "ms_ratio_to_default": round(t["median_ms"] / base, 3),
            "gold_cv": gold_row(reports[r.report], r.cv_name) | {"report": repo_relative(r.report), "model": r.cv_name},
        }
    res = {"what": "student sizes on the frontier (student_sizes.py docstring)",
           "primary_metric": "cross-fitted gold help-seeking F1 vs onnxruntime-web ms per 128-token window "
                             "(ratio to models/default, same interleaved run) vs int8 MB",
           "latency": {"tool": "scripts/bench_ort_web.mjs (onnxruntime-web WASM, 1 thread, Node, interleaved)",
                       "runs": runs},
           "teacher_check": check, "rows": res_rows, "frontier": pareto(res_rows),
           "date": time.strftime("%Y-%m-%d"), "wall_seconds": round(time.time() - t0, 1)}
    if out is not None:
        out.write_text(json.dumps(res, indent=1) + "\n")
        log(f"wrote {out}")
    return res


# --- the `student-sizes` command ---------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--l1-dir", default=str(BUILD / "students" / "L1" / "model"),
                   help="the L1 student's export, calibrated on gold (default build/students/L1/model)")
    p.add_argument("--extra-gold-cv", default=str(REPORTS / "gold-cv-L1.json"),
                   help="gold-cv report scoring L1 and the teacher (gold-cv --extra L1=DIR --only L1,teacher --out)")
    p.add_argument("--runs", type=int, default=50, help="timed runs per graph (bench_ort_web.mjs, >= 30)")
    p.add_argument("--out", default=str(REPORTS / "student-sizes.json"))


def run(args: argparse.Namespace) -> int:
    dirs = {"L1": Path(args.l1_dir), "L2": MODELS / "fast", "L3": MODELS / "default",
            "teacher": shipped_teacher_dir() / "model"}
    try:
        res = student_sizes(default_rows(Path(args.extra_gold_cv)), dirs, args.runs, Path(args.out),
                            log=lambda m: print(m, flush=True))
    except (FileNotFoundError, ValueError) as e:
        print(f"student-sizes: {e}", file=sys.stderr)
        return 2
    for n, r in res["rows"].items():
        g = r["gold_cv"]
        print(f"{n}: help F1 {g['help_seeking']['value']:.3f} {g['help_seeking']['ci95']}, condition "
              f"{g['condition']['value']:.3f}, causes {g['causes']['value']:.3f}; {r['int8_mb']} MB; "
              f"{r['ms_per_window']['median']} ms/window ({r['ms_ratio_to_default']}x default)")
    return 0

"""Parts of the report's teacher-and-students section, each included only when its JSON exists: how the teacher
was chosen and what training costs on CPU and on the lent GPU (reports/gpu-training.json, written by
gpu_transfer.py when the GPU's files are unpacked), the teacher's seed spread (reports/teacher-seeds.json),
candidates against the shipped variants (reports/ship-check-*.json) and students against their own teacher
(reports/compare-*.json). Every number is read from those JSONs."""

from __future__ import annotations

from ..core.codebook import codebook
from ..core.hardware import recorded_hardware
from ..core.paths import is_reseed
from ..evaluate.teacher_spread import run_row
from .cells import number, signed_interval


def _candidate_rows(runs: dict) -> list[str]:
    out = []
    for path, r in sorted(runs.items()):
        cfg, row = r["train_config"], run_row(path, r)  # scores at the best step
        out.append(f"| {path.split('/')[-2]} | {cfg['epochs']} | {cfg['patience']} | {cfg['aux_task_weight']:g} | "
                   f"{row['seed']} | {row['best_step']} of {row['steps']} | {number(row['score'], 4)} | " +
                   " | ".join(number(row[k]) for k in codebook().primary) + f" | {row['wall_seconds']:.0f} s |")
    return out


def training_section(gpu: dict) -> list[str]:
    out = ["### Training on the lent GPU, the teacher's configuration and training time", ""]
    runs, ret, cpu = gpu["runs"], gpu["returned"], gpu["cpu_reference"]
    hw = ret["teacher"]["hardware"]
    chosen = max(runs.values(), key=lambda r: r["best_score"])
    out += [f"`scripts/gpu_run.sh` ran the same trainer.py / distill.py / ablation.py with `--device cuda` on one {hw} "
            "(python -m mhelp_pipeline gpu-transfer carries the fp16 pretrained weights and the corpus there and "
            "brings the checkpoints back). Teacher candidates, all the 6-layer MiniLM, seed 0, early stopping on "
            "trainer.py's score: the mean over all 9 heads of weak-dev macro-F1 (single-label heads) or micro-F1 "
            "(multi-label heads), evaluated twice per epoch; the best of them became the "
            "teacher every student is distilled from, so the teacher is selected on the weak dev split:", "",
            "| candidate | max epochs | patience | aux-head weight | seed | best step | mean dev score (9 heads) | "
            "help macro-F1 | cond. macro-F1 | causes micro-F1 | GPU time |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    out += _candidate_rows(runs)
    out += ["", f"Chosen: aux-head weight {chosen['train_config']['aux_task_weight']:g}, best step {chosen['best_step']} "
                "(scores at the best step, first 128-token window, argmax / 0.5; the floors table and the table above "
                "score whole posts with calibrated decisions). Seed-to-seed spread of the teacher: next table.", "",
            "Training time (wall clock, dev evaluations included):", "",
            "| model | CPU run | CPU time | GPU run | GPU time | speed-up per step |", "|---|---|---:|---|---:|---:|"]
    for name, g in ret.items():
        c = cpu.get(name)
        if not c:
            continue
        speed = (c["wall_seconds"] / c["steps"]) / (g["wall_seconds"] / g["steps"])
        out.append(f"| {name} | {c['steps']} steps, {c['hardware']} | {c['wall_seconds']:.0f} s | {g['steps']} steps, "
                   f"{g['hardware']} | {g['wall_seconds']:.0f} s | {speed:.0f}× |")
    same = runs.get("build/teacher/gpu-A/best")
    if same and "teacher" in cpu:
        out += ["", f"Same configuration on both (the CPU teacher's: 3 epochs, patience 2, seed 0): "
                    f"{cpu['teacher']['wall_seconds']:.0f} s on the CPU vs {same['wall_seconds']:.0f} s on the {hw} "
                    f"({cpu['teacher']['wall_seconds'] / same['wall_seconds']:.0f}×); best mean dev score "
                    f"{number(cpu['teacher'].get('best_score'), 4)} on the CPU, {number(same['best_score'], 4)} on the "
                    "GPU (same code and seed, different float arithmetic and kernels)."]
    return out + [""]


def teacher_seeds_section(seeds: dict) -> list[str]:
    """reports/teacher-seeds.json (teacher_spread.py): the teacher's runs per configuration."""
    out = ["Teacher runs per configuration (`python -m mhelp_pipeline teacher-spread`, reports/teacher-seeds.json; "
           "trainer.py's score at each run's best step, as in the table above):", "",
           "| configuration | seed | trained on | best step | mean dev score (9 heads) | help macro-F1 | "
           "cond. macro-F1 | causes micro-F1 | wall time |", "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for g in seeds["groups"]:
        for r in g["runs"]:
            out.append(f"| {g['config']} | {r['seed']} | {r['hardware']} | {r['best_step']} of {r['steps']} | "
                       f"{number(r['score'], 4)} | " + " | ".join(number(r[k]) for k in codebook().primary)
                       + f" | {r['wall_seconds']:.0f} s |")
    out.append("")
    out += [f"- {g['config']}: {g['n']} runs, score {number(g['min_score'], 4)}–{number(g['max_score'], 4)} "
            f"(range {number(g['range'], 4)})." for g in seeds["groups"] if g["n"] > 1]
    repeated = max(seeds["groups"], key=lambda g: g["n"])
    best = max(seeds["groups"], key=lambda g: g["max_score"])
    if repeated["n"] > 1 and best is not repeated:
        gap = best["max_score"] - repeated["max_score"]
        out.append(f"- The best-scoring configuration ({best['config']}, {best['n']} run{'s' if best['n'] > 1 else ''}) "
                   f"is {gap:+.4f} above the best run of the repeated one, "
                   + ("less than that configuration's range over runs: the teacher choice is within training noise."
                      if gap < repeated["range"] else "more than that configuration's range over runs."))
    return out + [""]


def ship_check_section(checks: list[dict]) -> list[str]:
    """reports/ship-check-<variant>.json (ship_check.py): candidate vs shipped, paired, and the rule's verdict."""
    if not checks:
        return []
    out = ["### Candidates vs the shipped variants (`python -m mhelp_pipeline ship-check`)", "",
           "Whole weak-dev posts as the engine scores them; candidate − shipped on the same resampled posts "
           f"(95 % CI, two-sided p). Rule: {checks[0]['decision']['rule']}", "",
           "| shipped | candidate (seed, steps, trained on) | task | metric | candidate − shipped [95 % CI] | p |",
           "|---|---|---|---|---:|---:|"]
    for c in checks:
        out += _paired_rows(f"{c['shipped']} {c['shipped_version']} | {_candidate(c, hardware=True)}",
                            c["paired_candidate_minus_shipped"])
    out += [""] + [f"- {c['shipped']} vs {c['candidate']}: {'**replace**' if c['decision']['replace'] else '**keep**'} "
                   f"({c['decision']['why']})." for c in checks]
    reseeds = [c for c in checks if is_reseed(c["candidate"].split("/")[-1])]
    if reseeds:
        diffs = ", ".join(f"{c['paired_candidate_minus_shipped']['help_seeking']['f1']['diff']:+.3f}" for c in reseeds)
        out += ["", f"The `-seed<k>` candidates re-distil a shipped variant's own configuration (same teacher, data, "
                    f"steps) with another seed: their differences from the shipped model are training noise. Help-seeking "
                    f"F1, re-seeded − shipped: {diffs}."]
    return out + [""]


def compare_section(comps: list[dict]) -> list[str]:
    """reports/compare-<model>-<candidate>.json (``ship-check --against``): a student against its own teacher,
    the issue's "student within 1 point of the teacher on each" read on the lineage it was distilled from."""
    if not comps:
        return []
    out = ["### Students against the teacher they were distilled from (`ship-check --candidate … --against …`)", "",
           "Each student against the export of the teacher it was distilled from (`--against`), which need not be "
           "the teacher of the frontier table. Same posts, engine scoring and paired bootstrap as ship-check; "
           "**bold** = a point estimate more than 1 point below the teacher (the issue's bound; read it with the "
           "interval).", "",
           "| student (seed, steps) | teacher | task | metric | student − teacher [95 % CI] | p |",
           "|---|---|---|---|---:|---:|"]
    for c in comps:
        out += _paired_rows(f"{_candidate(c, hardware=False)} | {c['against']}", c["paired_candidate_minus_against"],
                            bold_below=-0.01)
    return out + [""]


def _candidate(c: dict, hardware: bool) -> str:
    tr = (c.get("training") or {}).get("candidate") or {}
    where = f", {recorded_hardware(tr)}" if hardware else ""
    return f"{c['candidate']} (seed {tr.get('seed', '?')}, {tr.get('steps', '?')} steps{where})"


def _paired_rows(lead: str, paired: dict, bold_below: float | None = None) -> list[str]:
    """One table row per (task, metric) of a paired result; ``bold_below``: bold a difference under it."""
    rows = []
    for task, by_metric in paired.items():
        for metric, d in by_metric.items():
            cell = signed_interval(d)
            bold = bold_below is not None and d["diff"] < bold_below
            rows.append(f"| {lead} | {task} | {metric} | {f'**{cell}**' if bold else cell} | {number(d['p_value'])} |")
    return rows

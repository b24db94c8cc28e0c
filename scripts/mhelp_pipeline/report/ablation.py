"""The report's multi-task vs single-task section, from reports/ablation-*.json (evaluate/ablation.py: one file
per budget, several seeds, per-seed metrics and learning curves). Every sentence that states a result is
derived from the JSON, so the section cannot drift from the numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..core.hardware import recorded_hardware
from .cells import interval, number, signed_interval

# The paper's multi-task gains over single-task (M-HELP, 2025), in points of the headline metric.
PAPER_GAIN = {"condition": "+6.2 (accuracy)", "causes": "+8.5 (macro-F1)"}
SIGNIFICANT = 0.05
RARE = 10  # dev positives below which a label's F1 is mostly noise (one post flips it by 0.3-1.0)


def seeds(ab: dict) -> list:
    return ab["config"]["seeds"]


def load_ablations(reports: Path) -> list[dict]:
    """Equal-epoch (converged, multi-seed) budgets first, the teacher-sized encoder before the smaller one,
    then equal-step budgets by size."""
    abls = [json.loads(p.read_text()) for p in reports.glob("ablation-*.json")]
    return sorted(abls, key=lambda a: (a["config"].get("epochs") is None, -a["config"]["layers"],
                                       a["config"].get("epochs") or 0, a["config"]["steps"]))


def _describe(ab: dict) -> str:
    cfg = ab["config"]
    enc = f"{cfg['layers']}-layer encoder, "
    if cfg.get("epochs") is not None:
        return enc + f"{cfg['epochs']:g} epochs over each run's own pool × batch {cfg['batch_size']}"
    return enc + f"{cfg['steps']} steps × batch {cfg['batch_size']}"


def _hardware(ab: dict) -> list[str]:
    """Where the runs' seconds were measured: recorded per run; runs saved before it was recorded were CPU."""
    found = [s["hardware"] for r in ab["runs"].values() for s in r["seeds"].values() if s.get("hardware")]
    return list(dict.fromkeys(found)) or [recorded_hardware({}, ab["config"].get("threads", 2))]


def _run_steps(ab: dict, run: str) -> int:
    return next(iter(ab["runs"][run]["seeds"].values()))["steps"]


def _train_seconds(ab: dict, run: str) -> str:
    """Mean train seconds per seed, per hardware when the seeds ran on different machines."""
    by_hw: dict[str, list[float]] = {}
    for s in ab["runs"][run]["seeds"].values():
        if s.get("train_seconds") is not None:
            by_hw.setdefault(s.get("hardware") or "", []).append(s["train_seconds"])
    if len(by_hw) <= 1:
        return f"{number(float(np.mean(next(iter(by_hw.values())))) if by_hw else None, 0)} s"
    return ", ".join(f"{number(float(np.mean(v)), 0)} s on {hw} ({len(v)} seed{'s' if len(v) > 1 else ''})"
                     for hw, v in by_hw.items())


def _per_seed_diffs(comp: dict, metric: str) -> str:
    diffs = comp[metric].get("per_seed_diff")
    return ", ".join(f"{d:+.3f}" for d in diffs) if diffs else "–"


def _verdict(d: dict) -> str:
    if d["p_value"] < SIGNIFICANT:
        return "MT higher" if d["diff"] > 0 else "MT lower"
    return "no significant difference"


def _summary(abls: list[dict], floors: dict) -> list[str]:
    out = ["| budget | seeds | task (headline) | MT | ST | TF-IDF floor | MT − ST [95 % CI] | p | MT − ST per seed | paper |",
           "|---|---:|---|---:|---:|---:|---:|---:|---|---|"]
    for ab in abls:
        for task, comp in ab["comparisons"].items():
            h = comp["headline"]
            out.append(f"| {_describe(ab)} | {len(seeds(ab))} | {task} ({h}) | "
                       f"{number(ab['runs']['multi_task']['metrics'][task][h])} | "
                       f"{number(ab['runs'][f'single_{task}']['metrics'][task][h])} | "
                       f"{number(floors['tasks'][task]['tfidf_lr'].get(h))} | {signed_interval(comp[h])} | "
                       f"{number(comp[h]['p_value'])} | {_per_seed_diffs(comp, h)} | {PAPER_GAIN.get(task, '–')} |")
    return out


def _per_label(ab: dict) -> list[str]:
    """Seed-mean F1 per label: macro-F1 differences usually live in the labels with few dev positives."""
    out = []
    for task in ab["comparisons"]:
        runs = [r for r in ("multi_task", "multi_task_primary", f"single_{task}") if r in ab["runs"]]
        mets = [ab["runs"][r]["metrics"][task] for r in runs]
        if task == "help_seeking" or "f1_per_label" not in mets[0]:
            continue
        out += ["", f"{task}: seed-mean F1 per label (labels with no dev positive are left out of macro-F1).", "",
                "| label | dev positives | " + " | ".join(runs) + " | multi_task − single |",
                "|---|---:|" + "---:|" * (len(runs) + 1)]
        scored = [lab for lab, n in mets[0]["dev_positives"].items() if n > 0]
        if not scored:
            continue
        for lab, n in mets[0]["dev_positives"].items():
            vals = [m["f1_per_label"].get(lab) for m in mets]
            diff = "–" if None in (vals[0], vals[-1]) else f"{vals[0] - vals[-1]:+.3f}"
            out.append(f"| {lab} | {n} | " + " | ".join(number(v) for v in vals) + f" | {diff} |")
        # macro-F1 = mean over the scored labels, so each label's share of the difference is diff / len(scored)
        rare = [lab for lab in scored if mets[0]["dev_positives"][lab] < RARE]
        share = sum(mets[0]["f1_per_label"][lab] - mets[-1]["f1_per_label"][lab] for lab in rare) / len(scored)
        total = mets[0]["macro_f1"] - mets[-1]["macro_f1"]
        out += ["", f"Of the multi_task − single macro-F1 difference ({total:+.3f}), the {len(rare)} label(s) with fewer "
                    f"than {RARE} dev positives ({', '.join(rare) or 'none'}) contribute {share:+.3f}; the other "
                    f"{len(scored) - len(rare)} contribute {total - share:+.3f}."]
    return out


def _other_comparisons(ab: dict) -> list[str]:
    """MT on the primary heads only (the paper's set-up) vs ST, and what the auxiliary heads change in MT."""
    other = ab.get("other_comparisons") or {}
    if not other:
        return []
    prim = ab["runs"]["multi_task_primary"]
    prim_seeds = sorted(int(s) for s in (prim.get("seeds") or {}))
    fewer = (f" `multi_task_primary` has seeds {', '.join(map(str, prim_seeds))} only: a − b and 'per seed' use the "
             "seeds both runs have, the a and b columns each run's own seeds."
             if prim.get("seeds") and prim_seeds != list(seeds(ab)) else "")
    out = ["", f"Multi-task on the 3 primary heads only (`multi_task_primary`, {prim['train_pool']} train examples with "
               f"any primary label, {_run_steps(ab, 'multi_task_primary')} steps): 'a − b' per pair, seed means.{fewer}", "",
           "| a − b | task | metric | a | b | a − b [95 % CI] | p | per seed | verdict |",
           "|---|---|---|---:|---:|---:|---:|---|---|"]
    for pair, by_task in other.items():
        a, b = pair.split(" - ")
        for task, comp in by_task.items():
            b_run = f"single_{task}" if b == "single" else b
            for metric in (m for m in comp if isinstance(comp[m], dict)):
                d = comp[metric]
                star = " (headline)" if metric == comp["headline"] else ""
                verdict = _verdict(d).replace("MT", a)
                out.append(f"| {a} − {b_run} | {task} | {metric}{star} | {number(ab['runs'][a]['metrics'][task][metric])} | "
                           f"{number(ab['runs'][b_run]['metrics'][task][metric])} | {signed_interval(d)} | "
                           f"{number(d['p_value'])} | {_per_seed_diffs(comp, metric)} | {verdict} |")
    return out


def _curves(ab: dict) -> list[str]:
    """Seed-mean dev headline after each epoch: where it flattens is the evidence the runs converged."""
    rows, width = [], 0
    for run, r in ab["runs"].items():
        per_seed = [s["curve"] for s in (r.get("seeds") or {}).values() if s.get("curve")]
        if not per_seed:
            continue
        width = max(width, len(per_seed[0]))
        for task in per_seed[0][0]["headline"]:
            vals = [np.mean([c[i]["headline"][task] for c in per_seed]) for i in range(len(per_seed[0]))]
            epochs = [per_seed[0][i]["epoch"] for i in range(len(per_seed[0]))]
            rows.append((run, task, vals, epochs))
    if not rows:
        return []
    out = ["", f"Learning curves ({_describe(ab)}): dev headline after each epoch, mean over seeds "
               "(the learning rate decays linearly to 0 at the last step).", "",
           "| run | task | " + " | ".join(f"checkpoint {i + 1}" for i in range(width)) + " | last − previous |",
           "|---|---|" + "---:|" * (width + 1)]
    for run, task, vals, epochs in rows:
        cells = [f"{number(v)} (epoch {e:.2f})" for v, e in zip(vals, epochs)]
        delta = f"{vals[-1] - vals[-2]:+.3f}" if len(vals) > 1 else "–"
        out.append(f"| {run} | {task} | " + " | ".join(cells + ["–"] * (width - len(cells))) + f" | {delta} |")
    return out


def _details(ab: dict) -> list[str]:
    runs = ab["runs"]
    mt_pool = runs["multi_task"]["train_pool"] or 1
    out = ["", f"### {_describe(ab)}, seeds {', '.join(map(str, seeds(ab)))} (reports/ablation-{ab['budget']}.json, "
               f"{ab.get('date', 'date not recorded')})", "",
           f"Steps per run and mean train seconds per seed ({' / '.join(_hardware(ab))}, dev scoring excluded): " +
           ", ".join(f"{k} {_run_steps(ab, k)} steps / {_train_seconds(ab, k)}" for k in runs) + ".", "",
           "| task | metric | n | labelled share in MT | MT [95 % CI] | ST [95 % CI] | MT − ST [95 % CI] | p | verdict |",
           "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for task, comp in ab["comparisons"].items():
        mt, st = runs["multi_task"]["metrics"][task], runs[f"single_{task}"]["metrics"][task]
        share = (runs[f"single_{task}"]["train_pool"] or 0) / mt_pool
        for metric in mt["ci"]:
            d = comp[metric]
            star = " (headline)" if metric == comp["headline"] else ""
            out.append(f"| {task} | {metric}{star} | {comp['n']} | {100 * share:.0f} % | "
                       f"{number(mt['ci'][metric]['value'])}{interval(mt['ci'][metric])} | "
                       f"{number(st['ci'][metric]['value'])}{interval(st['ci'][metric])} | {signed_interval(d)} | "
                       f"{number(d['p_value'])} | {_verdict(d)} |")
    out += _per_label(ab)
    out += _other_comparisons(ab)
    out += _curves(ab)
    out += ["", "MT auxiliary heads (weighted F1, seed mean): " +
            ", ".join(f"{k} {number(v['weighted_f1'])}" for k, v in ab["multi_task_aux"].items()) + "."]
    return out


def _reading(abls: list[dict], floors: dict) -> list[str]:
    lines = []
    for ab in abls:
        verdicts = {task: _verdict(c[c["headline"]]) for task, c in ab["comparisons"].items()}
        below = sum(ab["runs"][r]["metrics"][t][c["headline"]] < floors["tasks"][t]["tfidf_lr"][c["headline"]]
                    for t, c in ab["comparisons"].items() for r in ("multi_task", f"single_{t}"))
        lines.append(f"- {_describe(ab)} ({len(seeds(ab))} seed{'s' if len(seeds(ab)) > 1 else ''}), MT vs ST: " +
                     "; ".join(f"{t}: {v}" for t, v in verdicts.items()) +
                     f" (headline, p < {SIGNIFICANT}); {below} of {2 * len(verdicts)} (run, task) headline scores "
                     "below the TF-IDF floor.")
        for pair, by_task in (ab.get("other_comparisons") or {}).items():
            a = pair.split(" - ")[0]
            pair_seeds = next(iter(by_task.values())).get("seeds")
            fewer = f" (seeds {', '.join(map(str, pair_seeds))})" if pair_seeds and pair_seeds != seeds(ab) else ""
            lines.append(f"  - {pair.replace(' - ', ' vs ')}{fewer}: " + "; ".join(
                f"{t}: {_verdict(c[c['headline']]).replace('MT', a)} ({c[c['headline']]['diff']:+.3f})"
                for t, c in by_task.items()) + ".")
    return ["", "Reading:", ""] + lines + [
        "", "At an equal number of steps ST has the advantage of seeing only examples labelled for its task, so "
        "equal-step budgets measure how fast each set-up learns per training example. The equal-epoch budget "
        "is the converged comparison the paper makes: each labelled example is seen equally often, and MT "
        "additionally sees the other tasks' posts. Dev labels are weak and partly produced by the same "
        "rules/sources as the train labels; the paper's gains are on gold labels, so agreement or disagreement "
        "with them here is about weak-label learning, not about the gold tasks.", ""]


def ablation_section(abls: list[dict], floors: dict) -> list[str]:
    out = ["## 3. Multi-task vs single-task", ""]
    c = abls[0]["config"]
    out += ["`python -m mhelp_pipeline ablation --epochs E --seeds 0,1,2` or `--steps N` "
            "(scripts/mhelp_pipeline/train/ablation.py, evaluate/ablation.py; `--layers 6 --device cuda` on the "
            "lent GPU, scripts/gpu_run.sh): "
            "within one budget the same encoder (all-MiniLM-L6-v2, all 6 layers as the teacher or truncated to "
            f"{min(a['config']['layers'] for a in abls)}; first {c['max_length']}-token window), optimiser, linear "
            "schedule and batch size for every run; the final model of each run is scored with argmax / 0.5 decisions (no calibration), "
            "identically for all. **Multi-task (MT)**: every head (the 3 M-Help tasks and 6 auxiliary ones), "
            "batches from the whole train split, each example supervising the heads it has labels for. "
            "**Single-task (ST)**: one head, batches only from the train examples carrying that task's label. "
            "Budgets: *equal epochs* — each run makes E passes over its own pool, so MT and ST see each labelled "
            "example equally often (MT takes more steps, its pool being the whole split); *equal steps* — the "
            "same number of examples per run (equal compute).", "",
            "Intervals: 95 % bootstrap over dev posts (1,000 resamples) of the metric averaged over seeds. Paired "
            "test: the same resampled posts for MT and ST; p = two-sided bootstrap p-value for MT − ST = 0 (0.002 "
            "is the smallest 1,000 resamples can give). 'Per seed' lists MT − ST for each seed (training noise).",
            "", "Summary, headline metric:", ""]
    out += _summary(abls, floors)
    for ab in abls:
        out += _details(ab)
    return out + _reading(abls, floors)

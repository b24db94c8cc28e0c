"""The report's multi-task vs single-task section, from reports/ablation-*.json (evaluate/ablation.py: one file
per budget, several seeds). Gold leads (every gold post, decisions cross-fitted over the gold folds); the silver
dev split follows as a diagnostic. Every sentence that states a result is derived from the JSON, so the
section cannot drift from the numbers.
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
RARE = 10  # positives below which a label's F1 is mostly noise (one post flips it by 0.3-1.0)
PAPER_PAIR = "multi_task_primary - single"


def seeds(ab: dict) -> list:
    return ab["config"]["seeds"]


def load_ablations(reports: Path) -> list[dict]:
    """Equal-epoch budgets first, unweighted before reweighted losses, the larger encoder before the smaller one,
    then equal-step ones.
    Files without a gold section (written before gold arrived) are not read: they judged on weak labels."""
    abls = [json.loads(p.read_text()) for p in reports.glob("ablation-*.json")]
    abls = [a for a in abls if "gold" in a]
    return sorted(abls, key=lambda a: (a["config"].get("epochs") is None, bool(a["config"].get("task_weights")),
                                       -a["config"]["layers"], a["config"].get("epochs") or 0, a["config"]["steps"]))


def _describe(ab: dict) -> str:
    cfg = ab["config"]
    enc = f"{cfg['layers']}-layer encoder, "
    weights = "".join(f", {k} loss × {w:g} in multi-task runs" for k, w in cfg.get("task_weights") or ())
    if cfg.get("epochs") is not None:
        return (enc + f"{cfg['epochs']:g} epoch{'s' if cfg['epochs'] != 1 else ''} over each run's own pool × batch "
                f"{cfg['batch_size']}" + weights)
    return enc + f"{cfg['steps']} steps × batch {cfg['batch_size']}" + weights


def _hardware(ab: dict) -> list[str]:
    """Where the runs' seconds were measured: recorded per run; runs saved before it was recorded were CPU."""
    found = [s["hardware"] for r in ab["runs"].values() for s in r["seeds"].values() if s.get("hardware")]
    return list(dict.fromkeys(found)) or [recorded_hardware({}, ab["config"].get("threads", 2))]


def _run_steps(ab: dict, run: str) -> int:
    return next(iter(ab["runs"][run]["seeds"].values()))["steps"]


def _train_seconds(ab: dict, run: str) -> str:
    vals = [s["train_seconds"] for s in ab["runs"][run]["seeds"].values() if s.get("train_seconds") is not None]
    return f"{number(float(np.mean(vals)) if vals else None, 0)} s"


def _per_seed_diffs(comp: dict, metric: str) -> str:
    diffs = comp[metric].get("per_seed_diff")
    return ", ".join(f"{d:+.3f}" for d in diffs) if diffs else "–"


def _verdict(d: dict, a: str = "MT") -> str:
    if d["p_value"] < SIGNIFICANT:
        return f"{a} higher" if d["diff"] > 0 else f"{a} lower"
    return "no significant difference"


def _b_run(b: str, task: str) -> str:
    return f"single_{task}" if b == "single" else b


def _pair_rows(ab: dict, side: str, headline_only: bool) -> list[str]:
    """One row per (pair, task, metric): a, b, a − b with its paired interval, p, per-seed differences."""
    part, out = ab[side], []
    for task, by_pair in part["comparisons"].items():
        for pair, comp in by_pair.items():
            a, b = pair.split(" - ")
            metrics = [comp["headline"]] if headline_only else [m for m in comp if isinstance(comp[m], dict)]
            for metric in metrics:
                d = comp[metric]
                star = " (headline)" if metric == comp["headline"] and not headline_only else ""
                paper = PAPER_GAIN.get(task, "–") if pair == PAPER_PAIR and metric == comp["headline"] else "–"
                out.append(f"| {a} − {_b_run(b, task)} | {task} | {metric}{star} | "
                           f"{number(part['runs'][a]['metrics'][task][metric])} | "
                           f"{number(part['runs'][_b_run(b, task)]['metrics'][task][metric])} | {signed_interval(d)} | "
                           f"{number(d['p_value'])} | {_per_seed_diffs(comp, metric)} | {_verdict(d, a)} | {paper} |")
    return out


PAIR_HEADER = ["| a − b | task | metric | a | b | a − b [95 % CI] | p | a − b per seed | verdict | paper's gain |",
               "|---|---|---|---:|---:|---:|---:|---|---|---|"]


def _gold_runs(ab: dict) -> list[str]:
    """Each run's gold scores (seed means with intervals), causes per post and the help-seeking ECE."""
    g = ab["gold"]
    out = ["| run | task | metric | gold, seed mean [95 % CI] | per seed |", "|---|---|---|---:|---|"]
    for name, r in g["runs"].items():
        for task, m in r["metrics"].items():
            for metric, ci in m["ci"].items():
                out.append(f"| {name} | {task} | {metric} | {number(m[metric])}{interval(ci)} | "
                           + ", ".join(number(v) for v in m["per_seed"][metric]) + " |")
            if "labels_per_post" in m:
                lp = m["labels_per_post"]
                out.append(f"| {name} | {task} | labels per post (gold {number(lp['reference'], 2)}) | "
                           f"{number(lp['predicted'], 2)} | – |")
        if r.get("help_seeking_ece"):
            out.append(f"| {name} | help_seeking | ECE of p(yes) | {number(float(np.mean(r['help_seeking_ece'])))} | "
                       + ", ".join(number(v) for v in r["help_seeking_ece"]) + " |")
    return out


def _per_label(ab: dict) -> list[str]:
    """Gold seed-mean F1 per label, paper pair: macro-F1 differences usually live in the labels with few positives."""
    g, out = ab["gold"], []
    for task, by_pair in g["comparisons"].items():
        if PAPER_PAIR not in by_pair:
            continue
        a, b = "multi_task_primary", f"single_{task}"
        ma, mb = g["runs"][a]["metrics"][task], g["runs"][b]["metrics"][task]
        if "f1_per_label" not in ma or task == "help_seeking":
            continue
        scored = [lab for lab, n in ma["dev_positives"].items() if n > 0]
        if not scored:
            continue
        out += ["", f"{task} on gold: seed-mean F1 per label, {a} vs {b}.", "",
                f"| label | gold positives | {a} | {b} | a − b |", "|---|---:|---:|---:|---:|"]
        for lab, n in ma["dev_positives"].items():
            va, vb = ma["f1_per_label"].get(lab), mb["f1_per_label"].get(lab)
            diff = "–" if None in (va, vb) else f"{va - vb:+.3f}"
            out.append(f"| {lab} | {n} | {number(va)} | {number(vb)} | {diff} |")
        rare = [lab for lab in scored if ma["dev_positives"][lab] < RARE]
        if rare:
            share = sum(ma["f1_per_label"][lab] - mb["f1_per_label"][lab] for lab in rare) / len(scored)
            total = ma["macro_f1"] - mb["macro_f1"]
            out += ["", f"Of the macro-F1 difference ({total:+.3f}), the {len(rare)} label(s) with fewer than {RARE} "
                        f"gold positives ({', '.join(rare)}) contribute {share:+.3f}."]
    return out


def _curves(ab: dict) -> list[str]:
    """Seed-mean silver-dev headline after each epoch (budgets of more than one epoch): where it flattens."""
    rows, width = [], 0
    for run, r in ab["runs"].items():
        per_seed = [s["curve"] for s in (r.get("seeds") or {}).values() if s.get("curve")]
        if not per_seed or len(per_seed[0]) < 2:
            continue
        width = max(width, len(per_seed[0]))
        for task in per_seed[0][0]["headline"]:
            vals = [np.mean([c[i]["headline"][task] for c in per_seed]) for i in range(len(per_seed[0]))]
            epochs = [per_seed[0][i]["epoch"] for i in range(len(per_seed[0]))]
            rows.append((run, task, vals, epochs))
    if not rows:
        return []
    out = ["", "Learning curves: silver dev headline after each epoch, mean over seeds.", "",
           "| run | task | " + " | ".join(f"checkpoint {i + 1}" for i in range(width)) + " | last − previous |",
           "|---|---|" + "---:|" * (width + 1)]
    for run, task, vals, epochs in rows:
        cells = [f"{number(v)} (epoch {e:.2f})" for v, e in zip(vals, epochs)]
        out.append(f"| {run} | {task} | " + " | ".join(cells + ["–"] * (width - len(cells)))
                   + f" | {vals[-1] - vals[-2]:+.3f} |")
    return out


def _details(ab: dict) -> list[str]:
    g = ab["gold"]
    left = f", {g['left_out_in_corpus']} left out as near duplicates of corpus posts" if g["left_out_in_corpus"] else ""
    out = ["", f"### {_describe(ab)}, seed{'s' if len(seeds(ab)) > 1 else ''} {', '.join(map(str, seeds(ab)))} "
               f"(reports/ablation-{ab['budget']}.json, "
               f"{ab.get('date', 'date not recorded')})", "",
           f"Runs (train pool, steps, mean train seconds per seed on {' / '.join(_hardware(ab))}, scoring excluded): " +
           "; ".join(f"{k}: {r['train_pool']} posts, {_run_steps(ab, k)} steps, {_train_seconds(ab, k)}, seed"
                     f"{'s' if len(r['seeds']) > 1 else ''} {', '.join(map(str, r['seeds']))}"
                     for k, r in ab["runs"].items()) + ". A comparison uses the seeds both of its runs have.", "",
           f"**Gold** ({g['posts']} posts{left}; {g['decisions']}; {g['folds']} folds). Every comparison:", ""]
    out += PAIR_HEADER + _pair_rows(ab, "gold", headline_only=False)
    out += ["", "Each run on gold:", ""] + _gold_runs(ab)
    out += _per_label(ab)
    sd = ab["silver_dev"]
    out += ["", f"**Silver dev, a diagnostic** ({sd['what']}; one annotator per post), headline metrics:", ""]
    out += PAIR_HEADER + _pair_rows(ab, "silver_dev", headline_only=True)
    out += _curves(ab)
    if sd.get("multi_task_aux"):
        out += ["", "multi_task's auxiliary heads on the corpus dev split (weighted F1, seed mean): " +
                ", ".join(f"{k} {number(v['weighted_f1'])}" for k, v in sd["multi_task_aux"].items()) + "."]
    return out


def _reading(abls: list[dict]) -> list[str]:
    lines = []
    for ab in abls:
        for pair in ("multi_task_primary - single", "multi_task - single", "multi_task - multi_task_primary"):
            found = {t: c[pair] for t, c in ab["gold"]["comparisons"].items() if pair in c}
            if not found:
                continue
            a = pair.split(" - ")[0]
            lines.append(f"- {_describe(ab)}, gold, {pair.replace(' - ', ' vs ')}: " + "; ".join(
                f"{t}: {_verdict(c[c['headline']], a)} ({c[c['headline']]['diff']:+.3f} {c['headline']}, "
                f"p {number(c[c['headline']]['p_value'])})" for t, c in found.items()) + ".")
    return ["", "Reading (gold, headline metric, p < 0.05 counts as a difference):", ""] + lines + [
        "", "The runs train on hard silver labels with no distillation, so their absolute scores sit below the "
        "shipped students'; the comparison is between set-ups at the same data and budget, not a ship candidate.",
        ""]


def ablation_section(abls: list[dict]) -> list[str]:
    out = ["## 3. Multi-task vs single-task, on gold", ""]
    c = abls[0]["config"]
    out += ["`python -m mhelp_pipeline ablation --epochs E --seeds 0,1,2 --primary-multi-task` "
            "(scripts/mhelp_pipeline/train/ablation.py, evaluate/ablation.py). Within one budget, every run has the "
            f"same encoder (all-MiniLM-L6-v2 truncated to {c['layers']} layers, {c['max_length']}-token windows), "
            "optimiser, linear schedule and batch size. The runs:", "",
            "- **multi_task_primary**: the 3 M-Help heads, trained jointly. This is the paper's set-up.",
            "- **single_<task>**: one head. Each run trains on the same silver posts, because every silver post "
            "carries all three labels. At equal epochs it takes the same number of steps as multi_task_primary.",
            "- **multi_task**: the shipped recipe. It trains every head, with the auxiliary datasets too, and "
            "makes one pass over its larger pool.", "",
            "No run sees a gold post. Gold is the judge: each post is scored whole, and its decisions are fitted "
            "on the other gold folds, as the headline's are. Intervals are 95 % bootstrap intervals over gold "
            "posts (1,000 resamples) of the metric averaged over seeds. The paired test resamples the same posts "
            "for a and b. p is two-sided; 0.002 is the smallest p that 1,000 resamples can give.", "",
            "Summary on gold, headline metric:", ""]
    out += PAIR_HEADER + [row for ab in abls for row in _pair_rows(ab, "gold", headline_only=True)]
    for ab in abls:
        out += _details(ab)
    return out + _reading(abls)

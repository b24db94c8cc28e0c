"""The report's gold-dev section, read from reports/gold-cv.json (``python -m mhelp_pipeline gold-cv
[--retrain]``, gold_cv.py); without that file it says what would fill it."""

from __future__ import annotations

from .report_cells import interval, number, signed_interval

TARGETS = (("help_seeking", "f1", 0.85), ("condition", "accuracy", 0.70), ("causes", "macro_f1", 0.50))


def _cell(scores: dict, task: str, metric: str) -> str:
    s = scores[task]
    return number(s.get(metric)) + interval(s["ci"].get(metric))


def _row(name: str, how: str, scores: dict, ece: float | None) -> str:
    met = all((scores[t].get(m) or 0) >= bar for t, m, bar in TARGETS)
    return (f"| {name} | {how} | " + " | ".join(_cell(scores, t, m) for t, m, _ in TARGETS)
            + f" | {number(scores['condition'].get('macro_f1'))} | {number(scores['causes'].get('micro_f1'))} | "
            f"{number(ece)} | {'yes' if met else 'no'} |")


def _agreement(ag: dict) -> list[str]:
    if "fleiss_kappa" not in ag:
        return [f"Annotator agreement: {ag.get('note', 'not measured')}.", ""]
    k = ag["fleiss_kappa"]
    causes = ", ".join(f"{lab} {number(v)}" for lab, v in k["causes"].items())
    left = ", ".join(f"{n} posts with {s} annotators" for s, n in ag["posts_left_out"].items()) or "none"
    acc = ag["annotator_accuracy_vs_gold"]
    return [f"Annotator agreement (agreement.py; the human reference): Fleiss' kappa over the "
            f"{ag['posts_rated_by_panel']} posts rated by all {ag['panel_size']} annotators (left out: {left}) — "
            f"help_seeking {number(k['help_seeking'])}, condition {number(k['condition'])}; causes per label: "
            f"{causes}. Each annotator's accuracy against the gold label: help_seeking "
            f"{', '.join(number(a) for a in acc['help_seeking'])}; condition "
            f"{', '.join(number(a) for a in acc['condition'])}. Gold label = annotators' majority (causes: chosen "
            f"by ≥ 2) on {', '.join(f'{t} {number(v)}' for t, v in ag['majority_matches_gold'].items())} of posts.",
            ""]


def _paired_table(paired: dict) -> list[str]:
    out = ["| comparison | help_seeking F1 | condition accuracy | causes macro-F1 |", "|---|---:|---:|---:|"]
    for name, p in paired.items():
        out.append(f"| {name} | " + " | ".join(f"{signed_interval(p[t])} (p {p[t]['p_value']:.3f})"
                                               for t in ("help_seeking", "condition", "causes")) + " |")
    return out + [""]


def _slices(sl: dict, model: str) -> list[str]:
    out = [f"{model}, cross-fitted, by slice (slices.py; headline per task: help F1, condition accuracy, causes "
           "micro-F1; n = labelled gold posts):", "",
           "| slicing | slice | posts | help_seeking F1 | condition accuracy | causes micro-F1 |", "|---|---|---:|---:|---:|---:|"]
    heads = (("help_seeking", "f1"), ("condition", "accuracy"), ("causes", "micro_f1"))
    for slicing, rows in (("source", sl["by_source"]), ("length (tokens)", sl["by_length"])):
        for name, row in rows.items():
            out.append(f"| {slicing} | {name} | {row['posts']} | "
                       + " | ".join(_slice_cell(row[t], m) for t, m in heads) + " |")
    return out + [""]


def _slice_cell(m: dict, metric: str) -> str:
    ci = m.get("headline_ci") or {}
    return number(m.get(metric)) + interval(ci if "value" in ci else None)  # small slices carry a note, no CI


def gold_section(res: dict | None, number_: int) -> list[str]:
    out = [f"## {number_}. Gold dev set: annotator agreement and k-fold cross-validation", ""]
    if res is None:
        return out + ["`../shared/data/gold/dev.jsonl` is absent on this machine, so this section is empty. "
                      "`python -m mhelp_pipeline gold-cv` (gold_cv.py, ~3 min) fills it from the file once it is "
                      "there: Fleiss' kappa of the three annotators; the shipped models and the teacher on whole "
                      "gold posts as shipped and with temperatures/thresholds cross-fitted over 5 stratified gold "
                      "folds; paired tests students − teacher; ECE of p(help-seeking) before and after; "
                      "`gold-cv --retrain` (gold_retrain.py, ~20 min per fold on CPU) adds the issue's full "
                      "protocol, one student per fold trained with the other folds' gold posts on top of the "
                      "corpus. Tested on a stand-in in the gold schema (scripts/tests/test_gold_cv.py).", ""]
    out += [f"`python -m mhelp_pipeline gold-cv{' --retrain' if res.get('retrained') else ''}` → "
            f"reports/gold-cv.json ({res['date']}): {res['gold_posts_read']} gold posts read, "
            f"{res['left_out_in_corpus']} left out as (near) duplicates of posts in the models' corpus, "
            f"{res['gold_posts']} scored in {len(res['fold_sizes'])} folds "
            f"stratified by help_seeking × condition (sizes {', '.join(map(str, res['fold_sizes']))}). Whole posts as "
            "the engine scores them; 95 % bootstrap intervals over gold posts. *As shipped*: each model's own "
            "weak-dev temperatures/thresholds. *Cross-fitted*: those settings refitted on the other gold folds for "
            "each fold (every post scored by settings that never saw it). *Gold-trained*: one student per fold "
            "distilled with the other folds' gold posts in training, scored on its held-out fold.", ""]
    out += _agreement(res["agreement"])
    out += ["| model | scoring | help_seeking F1 | condition accuracy | causes macro-F1 | condition macro-F1 | "
            "causes micro-F1 | ECE p(help) | issue targets (≥ 0.85 / 0.70 / 0.50) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, m in res["models"].items():
        if "skipped" in m:
            out.append(f"| {name} | skipped: {m['skipped']} | | | | | | | |")
            continue
        out.append(_row(name, "as shipped", m["as_shipped"], m["help_seeking_ece"]["as_shipped"]))
        out.append(_row(name, "cross-fitted", m["cross_fitted"], m["help_seeking_ece"]["cross_fitted"]))
    for name, r in (res.get("retrained") or {}).items():
        out.append(_row(name, f"held-out fold ({r['steps']} steps)", r["held_out"], None))
    out.append("")
    if res.get("slices"):
        out += _slices(res["slices"], res["config"]["sliced"])
    if res["paired"]:
        out += ["Students − teacher, cross-fitted, paired on the same gold posts:", ""] + _paired_table(res["paired"])
    for name, r in (res.get("retrained") or {}).items():
        out += [f"{name} − each model (the other side cross-fitted):", ""] + _paired_table(r["paired"])
    return out

"""The report's shipped-model section, from models/<variant>/model.json (export.py): architecture, training,
the model's own gold numbers and the int8-vs-fp32 shipped-decision agreement export.py recorded."""

from __future__ import annotations

from ..core.codebook import codebook
from .cells import number as _f

DECISION_TARGET = 0.99  # issue: int8 and fp32 make the same shipped decision on >= 99 % of dev posts


def trained_how(tr: dict) -> str:
    return ("distilled from a teacher (model.json `training.script`)" if "distill" in (tr.get("script") or "")
            else "trained directly on the corpus by trainer.py, not distilled from a teacher")


def _gold_dev_line(m: dict, gold_section: int | None) -> str:
    g = m.get("gold_dev")
    if not g:
        return f"model.json has no gold numbers of its own (`metrics.gold_dev_note`: {m.get('gold_dev_note')})."
    hs, co, ca = g.get("help_seeking", {}), g.get("condition", {}), g.get("causes", {})
    see = f"; section {gold_section} scores the model with intervals" if gold_section else ""
    return (f"model.json's own gold numbers (`metrics.gold_dev`, written by export.py as shipped, without "
            f"intervals{see}): {hs.get('n', '–')} posts, help_seeking F1 of "
            f"'yes' {_f(hs.get('f1_yes'))}, condition accuracy {_f(co.get('accuracy'))} / macro-F1 "
            f"{_f(co.get('macro_f1'))}, causes macro-F1 {_f(ca.get('macro_f1'))} / micro-F1 {_f(ca.get('micro_f1'))}.")


def _decision_agreement(m: dict) -> list[str]:
    da = m.get("int8_vs_fp32_dev_decision_agreement")
    if da is None:  # calibrate-on-gold drops it when it cannot re-measure it with the new settings
        return ["int8 vs fp32 decisions: not measured for this version (model.json has no "
                "`metrics.int8_vs_fp32_dev_decision_agreement`: the settings changed on a machine without the fp32 graph "
                "of the shipped int8 one; `calibrate-on-gold --fp32 PATH` re-measures it). Issue target: ≥ "
                f"{100 * DECISION_TARGET:.0f} %.", ""]
    cb = codebook()
    kinds = {t.key: t.kind for t in cb.tasks}
    out = ["int8 vs fp32 (model.json `metrics.int8_vs_fp32_dev_decision_agreement`, export.py): share of dev posts "
           "(first 128-token window) on which the shipped int8 graph and the fp32 graph make the same shipped "
           "decision (calibrated probabilities against the shipped thresholds): the label for single-label heads, "
           "each (post, label) decision for multi-label heads such as causes. Issue target: ≥ "
           f"{100 * DECISION_TARGET:.0f} %.", "",
           "| head | unit | same decision | ≥ 99 % |", "|---|---|---:|:---:|"]
    for head, v in da.items():
        unit = "(post, label) pair" if kinds.get(head) == "multi_label" else "post"
        out.append(f"| {head} | {unit} | {100 * v:.1f} % | {'yes' if v >= DECISION_TARGET else 'no'} |")
    below = [h for h, v in da.items() if v < DECISION_TARGET]
    out += ["", "Below the target: " + (", ".join(below) if below else "none") + ".", ""]
    return out


def shipped_section(meta: dict, variant: str, ref: dict[str, int], has_gold_cv: bool) -> list[str]:
    a, tr, m = meta["architecture"], meta["training"], meta["metrics"]
    best = f", best step {tr['best_step']}" if tr.get("best_step") is not None else ""
    out = ["## The shipped model", "",
           f"`models/{variant}`: {meta['name']} {meta['version']} (variant {meta.get('variant', variant)}), "
           f"{a['base']} truncated to {a['layers']} layers, {a['params']:,} parameters, {a['quantisation']}; "
           f"{trained_how(tr)}: {tr['steps']} steps{best} in {tr['wall_seconds']} s on "
           f"{tr.get('hardware') or 'CPU'} (seed {tr['seed']}).", ""]
    if tr.get("labels"):
        out += [f"Labels (model.json `training.labels`): {tr['labels'].rstrip('.')}.", ""]
    if meta.get("lexical"):
        lx = meta["lexical"]
        weights = ", ".join(f"{h['task']} {h['lexical_weight']}" for h in meta["heads"] if "lexical_weight" in h)
        out += [f"**Lexical heads** (`{lx['file']}`, model format 4): TF-IDF over {lx.get('vocabulary', '–'):,} "
                f"1–2-grams of words and question marks and a logistic regression per primary head, trained on "
                f"{lx['trained_on']['posts']:,} posts of the {lx['trained_on']['split']}; their logits are mixed into "
                f"every window's, (1 − w) · encoder + w · lexical, with w fitted on gold: {weights}.", ""]
    cal = m.get("calibration") or {}
    if cal.get("fitted_on") == "gold":
        cv = m.get("gold_dev_cross_fitted") or {}
        hs, co, ca = cv.get("help_seeking", {}), cv.get("condition", {}), cv.get("causes", {})
        ci = lambda x: f" [{_f(x[0])}, {_f(x[1])}]" if x else ""  # noqa: E731
        out += [f"**Calibration fitted on gold.** {cal['primary_heads']}; temperatures are fitted on the aggregated "
                f"post probabilities. Auxiliary heads: {cal['auxiliary_heads']}. The estimate of what a user gets "
                f"is the cross-fitted gold CV of that same fit (model.json `metrics.gold_dev_cross_fitted`; section "
                f"{ref['gold']}): {cv.get('n', '–')} posts, help_seeking F1 of 'yes' {_f(hs.get('f1_yes'))}"
                f"{ci(hs.get('f1_yes_ci'))} (ECE of p(yes) {_f(hs.get('ece'))}), condition accuracy "
                f"{_f(co.get('accuracy'))}{ci(co.get('accuracy_ci'))} / macro-F1 {_f(co.get('macro_f1'))}, causes "
                f"macro-F1 {_f(ca.get('macro_f1'))}{ci(ca.get('macro_f1_ci'))} (95 % bootstrap intervals). The "
                "model's own gold numbers (`metrics.gold_dev_in_sample`, and *as shipped* in section "
                f"{ref['gold']}) are in-sample for its calibration and are not an estimate. Its dev-split numbers "
                f"(section {ref['diagnostics']}) are out of sample for the primary heads' calibration, in-sample "
                "for the auxiliary heads'.", ""]
    else:
        out += [f"Its temperatures, thresholds and per-head window aggregation were fitted on the dev split (silver "
                "labels for the primary heads, the datasets' labels for the auxiliary heads), never on gold. The "
                f"shipped model's dev-split numbers (section {ref['diagnostics']}) are therefore in-sample for those "
                f"settings; the gold numbers of section {ref['gold']} are not: *as shipped* uses these settings on "
                "posts the model never saw, *cross-fitted* refits them on other gold folds.", "",
                _gold_dev_line(m, ref["gold"] if has_gold_cv else None), ""]
    return out + _decision_agreement(m)

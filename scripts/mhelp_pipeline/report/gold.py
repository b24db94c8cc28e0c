"""The report's gold-dev section, its headline, read from reports/gold-cv.json (``python -m mhelp_pipeline
gold-cv [--retrain]``, gold_cv.py); without that file it says which command writes it.

Per model in the JSON: the issue's metrics as shipped and cross-fitted on gold folds (help-seeking F1 of 'yes',
precision, recall, AUROC and ECE of p(yes); condition accuracy and macro-F1; causes macro- and micro-F1 and the
mean number of causes per post, predicted vs gold), each with its 95 % bootstrap interval where gold_cv.py
computed one; the annotators' Fleiss' kappa; the paired model − teacher tests; the gold slices by source and
post length."""

from __future__ import annotations

from ..core.codebook import codebook
from .cells import interval, number, signed_interval
from .slices import SLICE_NAMES

# The model issue's targets on gold CV (task, metric, label in the table, bar): at least the bar.
TARGETS = (("help_seeking", "f1", "help_seeking F1", 0.88), ("condition", "accuracy", "condition accuracy", 0.72),
           ("condition", "macro_f1", "condition macro-F1", 0.50), ("causes", "macro_f1", "causes macro-F1", 0.55))
ECE_TARGET = 0.05  # help-seeking ECE of p(yes): at most
PER_POST_TOLERANCE = 0.20  # mean causes per post within 20 % of gold's


def _cell(scores: dict, task: str, metric: str) -> str:
    s = scores[task]
    return number(s.get(metric)) + interval((s.get("ci") or {}).get(metric))


def _per_post(scores: dict) -> str:
    lp = scores["causes"].get("labels_per_post")
    return "–" if not lp else f"{number(lp['predicted'], 2)} / {number(lp['gold'], 2)}"


def per_post_within(scores: dict) -> bool | None:
    """Is the predicted mean of causes per post within PER_POST_TOLERANCE of gold's? None when not recorded."""
    lp = scores["causes"].get("labels_per_post")
    if not lp or not lp.get("gold"):
        return None
    return abs(lp["predicted"] - lp["gold"]) <= PER_POST_TOLERANCE * lp["gold"]


def _yes_no(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "no")


FLOOR = "TF-IDF + LR floor"


def _rows(res: dict) -> list[tuple[str, str, dict, float | None]]:
    """(model, scoring, scores, ECE of p(help)) for every scored model and every gold-trained student."""
    rows = []
    for name, m in res["models"].items():
        if "skipped" in m:
            continue
        ece = m.get("help_seeking_ece") or {}
        if m.get("calibrated_on_gold"):  # calibrate-on-gold: the cross-fitted row is the estimate, lead with it
            rows.append((name, "**cross-fitted (headline)**", m["cross_fitted"], ece.get("cross_fitted")))
            rows.append((name, "as shipped (in-sample: calibrated on these posts)", m["as_shipped"],
                         ece.get("as_shipped")))
            continue
        rows.append((name, "as shipped", m["as_shipped"], ece.get("as_shipped")))
        rows.append((name, "cross-fitted", m["cross_fitted"], ece.get("cross_fitted")))
    for name, r in (res.get("retrained") or {}).items():
        rows.append((name, f"held-out fold ({r['steps']} steps)", r["held_out"], None))
    floor = res.get("floor") or {}
    if "cross_fitted" in floor:
        rows.append((FLOOR, "as trained (argmax, p ≥ 0.5)", floor["as_trained"], None))
        rows.append((FLOOR, "cross-fitted", floor["cross_fitted"], floor["help_seeking_ece"]["cross_fitted"]))
    return rows


def _help_table(rows: list) -> list[str]:
    out = ["Help-seeking (F1, precision and recall of 'yes'; ECE of p(yes), 15 bins):", "",
           "| model | scoring | n | F1 | precision | recall | AUROC | ECE p(yes) |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, how, s, ece in rows:
        out.append(f"| {name} | {how} | {s['help_seeking'].get('n', '–')} | "
                   + " | ".join(_cell(s, "help_seeking", m) for m in ("f1", "precision", "recall", "auroc"))
                   + f" | {number(ece)} |")
    return out + [""]


def _condition_causes_table(rows: list) -> list[str]:
    out = ["Condition and causes (causes per post: mean number of causes a post is given, predicted / gold):", "",
           "| model | scoring | condition accuracy | condition macro-F1 | causes macro-F1 | causes micro-F1 | "
           "causes per post |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, how, s, _ in rows:
        out.append(f"| {name} | {how} | {_cell(s, 'condition', 'accuracy')} | {_cell(s, 'condition', 'macro_f1')} | "
                   f"{_cell(s, 'causes', 'macro_f1')} | {_cell(s, 'causes', 'micro_f1')} | {_per_post(s)} |")
    return out + [""]


def _targets_table(rows: list) -> list[str]:
    out = ["The issue's targets on gold (point estimates; read them with the intervals above):", "",
           "| model | scoring | " + " | ".join(f"{label} ≥ {bar:.2f}" for _, _, label, bar in TARGETS)
           + f" | help_seeking ECE ≤ {ECE_TARGET:.2f} | causes per post within {100 * PER_POST_TOLERANCE:.0f} % of gold |",
           "|---|---|" + ":---:|" * (len(TARGETS) + 2)]
    for name, how, s, ece in rows:
        met = [_yes_no(None if s[t].get(m) is None else s[t][m] >= bar) for t, m, _, bar in TARGETS]
        met.append(_yes_no(None if ece is None else ece <= ECE_TARGET))
        out.append(f"| {name} | {how} | " + " | ".join(met) + f" | {_yes_no(per_post_within(s))} |")
    return out + [""]


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
                                               for t in codebook().primary) + " |")
    return out + [""]


def _slices(sl: dict, model: str) -> list[str]:
    out = [f"{model}, cross-fitted, by slice (slices.py; headline per task: help F1, condition accuracy, causes "
           "micro-F1; 95 % interval where the slice is large enough; posts = gold posts in the slice):", "",
           "| slicing | slice | posts | help_seeking F1 | condition accuracy | causes micro-F1 |", "|---|---|---:|---:|---:|---:|"]
    heads = (("help_seeking", "f1"), ("condition", "accuracy"), ("causes", "micro_f1"))
    for slicing, rows in (("source", sl["by_source"]), ("length (tokens)", sl["by_length"])):
        for name, row in rows.items():
            out.append(f"| {slicing} | {SLICE_NAMES.get(name, name) if slicing != 'source' else name} | {row['posts']} | "
                       + " | ".join(_slice_cell(row[t], m) for t, m in heads) + " |")
    return out + [""]


def _slice_cell(m: dict, metric: str) -> str:
    ci = m.get("headline_ci") or {}
    return number(m.get(metric)) + interval(ci if "value" in ci else None)  # small slices carry a note, no CI


def _panel(ag: dict) -> str:
    n = ag.get("panel_size") or 0
    return f", labelled by {n} annotators each" if n >= 2 else ""


def _models(res: dict) -> str:
    parts = []
    for name, m in res["models"].items():
        if "skipped" in m:
            parts.append(f"{name}: skipped ({m['skipped']})")
        else:
            parts.append(f"{name} = `{m.get('dir', '?')}` (version {m.get('version') or '?'}, {m.get('layers', '?')} "
                         "layers)")
    return "Models: " + "; ".join(parts) + "."


def gold_section(res: dict | None, number_: int) -> list[str]:
    out = [f"## {number_}. Gold dev set: annotator agreement and k-fold cross-validation", ""]
    if res is None:
        return out + ["reports/gold-cv.json is absent, so the headline is not in this report: "
                      "`cd scripts && ../.venv-train/bin/python -m mhelp_pipeline gold-cv` (gold_cv.py, a few minutes; "
                      "needs `../shared/data/gold/dev.jsonl`) writes it, then `report` again. It holds the three "
                      "annotators' Fleiss' kappa; the shipped models and their teacher on whole gold posts, as shipped "
                      "and with temperatures/thresholds cross-fitted over stratified gold folds, with 95 % bootstrap "
                      "intervals; paired tests model − teacher; ECE of p(help-seeking); slices by source and length.",
                      ""]
    retrained = res.get("retrained")
    out += [f"`python -m mhelp_pipeline gold-cv{' --retrain' if retrained else ''}` → "
            f"reports/gold-cv.json ({res['date']}): {res['gold_posts_read']} gold posts read{_panel(res['agreement'])}; "
            f"{res['left_out_in_corpus']} left out as (near) duplicates of posts in the models' "
            f"corpus; {res['gold_posts']} scored in {len(res['fold_sizes'])} folds stratified by help_seeking × "
            f"condition (sizes {', '.join(map(str, res['fold_sizes']))}). Whole posts as the engine scores them; "
            "95 % bootstrap intervals over gold posts (gold_cv.py computes them for help F1 and AUROC, condition "
            "accuracy and macro-F1, causes macro-F1; the other cells are point estimates unless an interval is "
            "shown). *As shipped*: each model's own temperatures, thresholds and aggregation: fitted on the dev "
            "split of the corpus it was built from, or, for a model whose primary heads `calibrate-on-gold` "
            "calibrated on gold, on these very gold posts, and then **in-sample** (labelled so; never a headline). "
            "*Cross-fitted*: those settings refitted on the other gold folds for each fold, with the fit "
            "calibrate-on-gold ships (every post scored by settings that never saw it): for a model calibrated on "
            "gold, the estimate of what its users get, **the headline**." + (" *Gold-trained*: one student per fold trained with the other folds' "
                                               "gold posts as well, scored on its held-out fold." if retrained else ""),
            "", _models(res), ""]
    out += _agreement(res["agreement"])
    rows = _rows(res)
    out += _help_table(rows) + _condition_causes_table(rows) + _targets_table(rows)
    if res.get("slices"):
        out += _slices(res["slices"], res["config"]["sliced"])
    if res["paired"]:
        teacher = res["config"].get("teacher", "teacher")
        why = ("the issue asks a student to stay within 1.5 points of its teacher" if teacher == "teacher"
               else f"`gold-cv --reference {teacher}`: the previous release, for what this one changed")
        out += [f"Each model − {teacher}, cross-fitted, paired bootstrap on the same gold posts (95 % CI; p two-sided; "
                f"{why}):", ""] + _paired_table(res["paired"])
    for name, r in (retrained or {}).items():
        out += [f"{name} − each model (the other side cross-fitted):", ""] + _paired_table(r["paired"])
    if res.get("paired_floor"):
        out += [f"Each model − the {FLOOR} (TF-IDF word 1-2-grams + class-balanced logistic regression trained on the "
                "models' own training split, so the primary heads learn the same silver labels; both cross-fitted "
                "with the same calibration), paired bootstrap on the same gold posts:", ""] + _paired_table(res["paired_floor"])
    return out

"""The parts of the report's dev-split diagnostics (the report numbers and assembles them): the shipped model
against the floors per task (reports/floors.json, reports/shipped-dev.json), its calibration
(reports/calibration.json) and, when it is about this model, the TypeScript-vs-Python check
(reports/ts-python-agreement.json). The slices part is slices.py."""

from __future__ import annotations

from ..core.codebook import codebook
from .cells import interval as _ci, number as _f

PRIMARY_ROWS = [("help_seeking", "precision"), ("help_seeking", "recall"), ("help_seeking", "f1"),
                ("help_seeking", "auroc"), ("condition", "accuracy"), ("condition", "macro_f1"),
                ("causes", "micro_f1"), ("causes", "macro_f1")]
TS_CMD = ("`python -m mhelp_pipeline export-eval-set --split dev --limit 300 --out build/eval/dev.jsonl`, then "
          "`node bin/mhelp.mjs eval --input build/eval/dev.jsonl --output build/eval/ts-metrics.json --predictions "
          "build/eval/ts-decisions.jsonl`, then `python -m mhelp_pipeline compare-eval`")


def ts_agreement_current(ag: dict | None, version: str) -> bool:
    """Is reports/ts-python-agreement.json there and about this model version? compare-eval records no model
    version so far: then the file's presence is the only signal (it is deleted when the model changes)."""
    if not ag:
        return False
    recorded = (ag.get("model") or {}).get("version") if isinstance(ag.get("model"), dict) else None
    return recorded is None or recorded == version


def floors_section(fl: dict, shipped: dict) -> list[str]:
    cb = codebook()
    out = ["## Floors and the shipped model, per task", "",
           "Floors: `python -m mhelp_pipeline floors` (scripts/mhelp_pipeline/evaluate/floors.py; computed by "
           "`evaluate-shipped` when reports/floors.json is absent): majority class and "
           "TF-IDF (word 1-2 grams, sublinear tf) + logistic regression (class_weight balanced; one-vs-rest per "
           "label for multi-label tasks), trained on the train split, scored on each post's first 128-token window. "
           "Shipped model: `models/default` int8 ONNX on whole posts exactly as the engine decides them (every "
           "window, shipped aggregation, temperatures and thresholds). Headline metrics carry 95 % bootstrap "
           "intervals (1,000 resamples of dev posts; causes macro-F1 averages over the labels present in each "
           "resample, so a rare label entering or leaving makes its interval lopsided). The majority floor "
           "predicts one class for every post: its AUROC is 0.5 by construction, and its help_seeking F1 of 'yes' "
           "is 0 when that class is 'no'.", "",
           "| task | metric | n | majority | TF-IDF + LR | shipped model |", "|---|---|---:|---:|---:|---:|"]
    for task, metric in PRIMARY_ROWS:
        f = fl["tasks"][task]
        head = f["tfidf_lr"].get("headline", {})
        is_head = head.get("metric") == metric
        out.append(f"| {task} | {metric} | {f['tfidf_lr']['n']} | {_f(f['majority'].get(metric))} | "
                   f"{_f(f['tfidf_lr'].get(metric))}{_ci(head) if is_head else ''} | "
                   f"{_f(shipped[task].get(metric))}{_ci(shipped[task].get('headline_ci')) if is_head else ''} |")
    out += ["", "Causes, F1 per label (known entries only; silver labels):", "",
            "| label | TF-IDF + LR | shipped model |", "|---|---:|---:|"]
    for lab in cb.task("causes").labels:
        out.append(f"| {lab} | {_f(fl['tasks']['causes']['tfidf_lr']['f1_per_label'].get(lab))} | "
                   f"{_f(shipped['causes']['f1_per_label'].get(lab))} |")
    out += ["", "Auxiliary heads, weighted F1 on their dev rows (issue target: shipped ≥ TF-IDF floor + 5 points; "
            "the dev rows carry the datasets' own labels and are held out by group from the same datasets, not "
            "their public test splits):", "",
            "| head | n | majority | TF-IDF + LR | shipped model | shipped − TF-IDF |", "|---|---:|---:|---:|---:|---:|"]
    for t in cb.tasks:
        if t.primary:
            continue
        f = fl["tasks"][t.key]
        a, b = f["tfidf_lr"].get("weighted_f1"), shipped[t.key].get("weighted_f1")
        out.append(f"| {t.key} | {f['tfidf_lr']['n']} | {_f(f['majority'].get('weighted_f1'))} | {_f(a)} | {_f(b)} | "
                   f"{'–' if a is None or b is None else f'{100 * (b - a):+.1f} pts'} |")
    return out + [""]


def calibration_section(cal: dict) -> list[str]:
    out = ["## Calibration of the shipped model (ECE, 15 bins)", "",
           "Top-label ECE for single-label heads, ECE of every known (post, label) probability for multi-label "
           "heads, and for help_seeking also the ECE of p(yes), on each dev post's first 128-token window (the "
           "window temperatures are fitted on; whole-post decisions are in the floors and slices tables). **The "
           "shipped temperatures were fitted on this dev split**, so the 'shipped T' column is in-sample; the "
           "'cross-fit T' column fits T on one half of the dev groups and measures on the other half (2 folds), "
           "which is the honest after-scaling number on this split. ECE on gold (help-seeking) is in the gold "
           "section.", "",
           "| head | ECE variant | n | T (shipped) | ECE, T = 1 | ECE, shipped T (in-sample) | ECE, cross-fit T |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for task, row in cal["heads"].items():
        for name in ("top_label", "per_entry", "p_yes"):
            if name in row:
                r = row[name]
                out.append(f"| {task} | {name} | {r['n']} | {row['temperature']:.3f} | {_f(r['ece_T1'], 4)} | "
                           f"{_f(r['ece_shipped_T'], 4)} | {_f(r['ece_crossfit_T'], 4)} |")
    out += ["", "![help_seeking reliability](figures/help-seeking-reliability.png)",
            "![condition confusion matrix](figures/condition-confusion.png)", "",
            "Figures: reliability diagram of p(yes) for help_seeking (before/after the shipped temperature) and "
            "the condition confusion matrix of the shipped model (rows: silver label; colour: row share).", ""]
    return out


def ts_agreement_section(ag: dict) -> list[str]:
    la = ag["label_agreement"]
    out = ["## The shipped model evaluated by the TypeScript engine vs Python", "",
           f"{TS_CMD}. {ag['posts']} posts sampled from the dev split (texts stay in build/, never committed); "
           "Python runs the shipped ONNX with the full windowing of `inference.Predictor`, "
           "TypeScript runs `src/engine`, as the Worker does; both run the graph in the same onnxruntime-web WASM "
           "build (Python through scripts/ort_web_runner.mjs), so this checks everything around the graph: "
           "normalisation, tokens, windows, aggregation, temperatures and thresholds.",
           "",
           f"Identical predicted labels: help_seeking {100 * la['help_seeking']:.1f} %, condition "
           f"{100 * la['condition']:.1f} %, causes (whole set) {100 * la['causes']:.1f} %, all three "
           f"{100 * la['all_three']:.1f} %; max |p(yes) difference| {ag['max_abs_p_yes_diff']:.2e}. "
           f"Check (≥ 99.5 % identical and every metric equal to 3 decimals): "
           f"**{'passes' if ag['passes'] else 'FAILS'}**." + (
               "" if "native_onnxruntime_vs_wasm" not in ag else
               " For scale: the same Python reference with *native* onnxruntime instead of WASM gives identical "
               f"labels on help_seeking {100 * ag['native_onnxruntime_vs_wasm']['label_agreement']['help_seeking']:.1f} %, "
               f"condition {100 * ag['native_onnxruntime_vs_wasm']['label_agreement']['condition']:.1f} %, causes "
               f"{100 * ag['native_onnxruntime_vs_wasm']['label_agreement']['causes']:.1f} % (max |Δp(yes)| "
               f"{ag['native_onnxruntime_vs_wasm']['max_abs_p_yes_diff']:.3f}): dynamic int8 rounds activations "
               "differently there, which is why the pipeline uses the WASM build."), "",
           "| task | metric | Python | TypeScript | equal (3 dp) |", "|---|---|---:|---:|:---:|"]
    for r in ag["metrics"]:
        out.append(f"| {r['task']} | {r['metric']} | {_f(r['python'], 4)} | {_f(r['typescript'], 4)} | "
                   f"{'yes' if r['equal_3dp'] else 'NO'} |")
    return out + [""]

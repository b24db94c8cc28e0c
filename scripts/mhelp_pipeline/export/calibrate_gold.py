"""Refit a shipped model's calibration on the gold dev set (issue 13: "Calibration ... is fitted inside the CV").

``python -m mhelp_pipeline calibrate-on-gold [--model ../models/default] [--version 0.6.0] [--compare-pooled]``

The int8 graph of the model folder is run over every gold post (every 128-token window alone, as the engine runs
them); calibrate.calibrate_posts -- the fit export.py runs on the silver dev split -- then fits the primary
heads' temperatures, window aggregation, help_seeking's post-level calibration map (isotonic; GOLD_CALIBRATION) and
thresholds (one per binary head; one per label for causes, under a budget of as many predicted causes as the
annotators gave: GOLD_CALIBRATION.labels_ratio) on *all*
gold posts that do not duplicate a corpus post (gold_cv.in_corpus), and writes them into model.json. The ONNX
graph, the tokenizer and the auxiliary heads' settings (silver dev) are left as they are.

What a user of the refit model gets is estimated by the cross-fitted gold CV of exactly this procedure
(gold_cv.cross_fitted: per fold, calibrate_posts on the other folds, applied to the held-out fold; 95 %
bootstrap intervals). That estimate is written to ``metrics.gold_dev_cross_fitted`` (the headline); the refit
model's numbers on the posts it was calibrated on go to ``metrics.gold_dev_in_sample`` and are never a
headline. ``metrics.gold_dev`` is cleared (it meant "held out, as shipped", which no longer holds for the
primary heads).

Why gold alone and not gold pooled with the silver dev split: ``--compare-pooled`` cross-fits both (the pooled
fit sees the silver dev posts plus the other gold folds) and prints the held-out gold numbers of each; the
result of that comparison is recorded in model.json (``metrics.calibration.pooled_comparison``) when run.

Run ``profiles`` afterwards (its thresholds are on the calibrated p(yes), which the temperature moves), then
``reference``, ``gold-cv``, ``evaluate-shipped``, ``report`` and ``npm run docs:model-card``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..core.codebook import Codebook, codebook
from ..core.io import file_sha256, read_jsonl
from ..core.paths import CORPUS_DIR, EXPORT_TMP, GOLD_DEV, MODELS, base_model_dir
from ..data.gold import GoldFormatError, load_gold
from ..evaluate.bootstrap import BootstrapConfig
from ..evaluate.gold_cv import _help_ece, _scores, cross_fitted, in_corpus, primary_codebook, stratified_folds
from ..evaluate.metrics import logit_metrics
from ..model.batching import Encoded, encode, load_tokenizer
from ..runtime.inference import Head, WindowRunner, as_shipped, heads_probabilities, post_calibrate, window_probs
from ..runtime.lexical import mix, model_lexical, post_lexical
from .calibrate import GOLD_CALIBRATION, calibrate_posts, probs_as_logits

# post_calibration: absent = no map; lexical_weight: absent = the encoder alone (a model without lexical heads)
FIELDS = ("temperature", "thresholds", "aggregation", "post_calibration", "lexical_weight")


def _runner(model_dir: Path, meta: dict, cb: Codebook) -> WindowRunner:
    return WindowRunner(model_dir / meta["onnx"], model_dir / meta["tokenizer"], meta["max_length"], meta["stride"],
                        cb.keys)


def _compact(x):
    if isinstance(x, dict):
        return {k: _compact(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_compact(v) for v in x]
    return round(x, 4) if isinstance(x, float) else x


def headline(scores: dict, ece: float) -> dict:
    """The few numbers model.json keeps of a gold_cv._scores result (with their intervals)."""
    h, c, k = scores["help_seeking"], scores["condition"], scores["causes"]
    return _compact({
        "n": h["n"],
        "help_seeking": {"f1_yes": h["f1"], "f1_yes_ci": [h["ci"]["f1"]["ci_low"], h["ci"]["f1"]["ci_high"]],
                         "precision": h["precision"], "recall": h["recall"], "auroc": h.get("auroc"), "ece": ece},
        "condition": {"accuracy": c["accuracy"], "accuracy_ci": _ci(c, "accuracy"), "macro_f1": c["macro_f1"],
                      "macro_f1_ci": _ci(c, "macro_f1")},
        "causes": {"macro_f1": k["macro_f1"], "macro_f1_ci": _ci(k, "macro_f1"),
                   "labels_per_post": k.get("labels_per_post")},
    })


def _ci(task_scores: dict, metric: str):
    c = (task_scores.get("ci") or {}).get(metric)
    return [c["ci_low"], c["ci_high"]] if c else None


def _with_post_calibration(heads: dict[str, Head], logits: dict[str, np.ndarray], temps: dict) -> tuple[dict, dict]:
    """First-window logits of heads with a post_calibration map replaced by the log of their mapped calibrated
    probabilities (temperature 1), so temperature-and-threshold code decides them as the engine does."""
    logits, temps = dict(logits), dict(temps)
    for k, h in heads.items():
        if h.post_calibration and k in logits:
            p = np.stack([post_calibrate(h, row) for row in window_probs(h, logits[k])])
            logits[k], temps[k] = np.log(np.clip(p, 1e-12, 1.0)), 1.0
    return logits, temps


def _rescore_dev(cb: Codebook, meta: dict, m: dict, dw, dg, dlex, denc: Encoded, fp32: Path | None, log) -> None:
    """The model.json dev-split diagnostics that depend on the settings, re-scored with the new ones: whole-post
    and first-window metrics of the primary heads (silver labels; out-of-sample for the gold-fitted calibration)
    and the int8-vs-fp32 shipped-decision agreement (every head; needs the fp32 graph of the int8 one)."""
    heads = {h["task"]: Head.from_json(h) for h in meta["heads"]}
    probs = heads_probabilities(cb, heads, dw, dg, range(len(dw)), dlex)
    thresholds = {k: h.thresholds for k, h in heads.items()}
    temps = temps0 = {k: h.temperature for k, h in heads.items()}
    primary = set(cb.primary)
    whole = logit_metrics(cb, probs_as_logits(cb, probs), denc, thresholds)
    first = {k: np.stack([mix(w[k][:1], dlex[i].get(k) if dlex else None, heads[k].lexical_weight)[0]
                          for i, w in enumerate(dw)]) for k in cb.keys}
    first, temps = _with_post_calibration(heads, first, temps)
    first_m = logit_metrics(cb, {k: v / temps[k] for k, v in first.items()}, denc, thresholds)
    m["weak_dev"] = {**m.get("weak_dev", {}), **_compact({k: v for k, v in whole.items() if k in primary})}
    m["weak_dev_first_window_only"] = _compact({k: v for k, v in first_m.items() if k in primary})
    if fp32 is not None:
        from .export import decision_agreement, onnx_logits
        ids = [w for w in denc.ids]
        fp, _ = _with_post_calibration(heads, onnx_logits(fp32, ids, runtime="native"), temps0)
        m["int8_vs_fp32_dev_decision_agreement"] = _compact(decision_agreement(fp, first, temps, thresholds))
        log(f"  int8 vs fp32 shipped decisions on dev first windows: {m['int8_vs_fp32_dev_decision_agreement']}")
    else:
        m.pop("int8_vs_fp32_dev_decision_agreement", None)
        log("  no fp32 graph: int8_vs_fp32_dev_decision_agreement dropped (it depended on the old settings)")


def calibrate_on_gold(model_dir: Path, version: str | None = None, gold_path: Path = GOLD_DEV,
                      corpus_dir: Path = CORPUS_DIR, folds: int = 5, seed: int = 0, compare: bool = False, fp32: Path | None = None,
                      bootstrap: BootstrapConfig = BootstrapConfig(), write: bool = True, log=print) -> dict:
    t0 = time.time()
    gold = load_gold(gold_path)
    if gold is None:
        raise FileNotFoundError(f"{gold_path} is absent: calibrating on gold needs the gold set "
                                "(../shared/data/gold/dev.jsonl, see ../shared/data/MANIFEST.md)")
    seen = in_corpus(gold, corpus_dir)
    read = len(gold)
    gold = [r for r, s in zip(gold, seen) if not s]
    cb = primary_codebook()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    enc = encode(gold, tok, cb, 128)
    meta = json.loads((model_dir / "model.json").read_text())
    runner = _runner(model_dir, meta, codebook())  # every head: the dev diagnostics re-score all of them
    windows, weights = runner.run_posts([r["text"] for r in gold])
    lex = model_lexical(model_dir, meta)  # None: the model has no lexical heads
    lexical = post_lexical(lex, [r["text"] for r in gold])
    log(f"{model_dir}: {len(gold)} gold posts ({read} read, {int(seen.sum())} duplicate corpus posts), "
        f"{sum(len(w) for w in weights)} windows in {time.time() - t0:.0f}s")
    y_help = np.array(enc.single["help_seeking"])
    fold_of = stratified_folds(gold, folds, seed)

    # the estimate: the cross-fitted gold CV of this very procedure
    cv_preds, cv_probs, _ = cross_fitted(cb, windows, weights, enc, fold_of, GOLD_CALIBRATION, lexical=lexical)
    cv = headline(_scores(cb, cv_preds, enc, bootstrap), _help_ece(cv_probs["help_seeking"], y_help))
    before_preds, before_probs = as_shipped(cb, meta, windows, weights, lexical)
    before = headline(_scores(cb, before_preds, enc, bootstrap), _help_ece(before_probs["help_seeking"], y_help))
    log(f"  gold, settings as they were ({meta.get('version')}): {json.dumps(before)}")
    log(f"  gold, calibrated on gold, {folds}-fold cross-fitted: {json.dumps(cv)}")

    # the silver dev split: the pooled alternative, and the dev diagnostics re-scored with the new settings
    dev = read_jsonl(corpus_dir / "dev.jsonl")
    t1 = time.time()
    dw, dg = runner.run_posts([r["text"] for r in dev])
    dlex = post_lexical(lex, [r["text"] for r in dev])
    full = codebook()
    denc = encode(dev, tok, full, 128)
    log(f"  silver dev: {len(dev)} posts run in {time.time() - t1:.0f}s")
    pooled = first_window = unbudgeted = no_map = no_lexical = None
    if compare:
        if lexical is not None:
            lp, lr, _ = cross_fitted(cb, windows, weights, enc, fold_of, GOLD_CALIBRATION)
            no_lexical = headline(_scores(cb, lp, enc, bootstrap), _help_ece(lr["help_seeking"], y_help))
            log(f"  gold, calibrated on gold without the lexical heads (the encoder alone), cross-fitted: "
                f"{json.dumps(no_lexical)}")
        fp, fr, _ = cross_fitted(cb, windows, weights, enc, fold_of, replace(GOLD_CALIBRATION, temperature_fit="first_window"),
                                 lexical=lexical)
        first_window = headline(_scores(cb, fp, enc, bootstrap), _help_ece(fr["help_seeking"], y_help))
        log(f"  gold, calibrated on gold with first-window temperatures (export's fit), cross-fitted: "
            f"{json.dumps(first_window)}")
        up, ur, _ = cross_fitted(cb, windows, weights, enc, fold_of, replace(GOLD_CALIBRATION, labels_ratio=None),
                                 lexical=lexical)
        unbudgeted = headline(_scores(cb, up, enc, bootstrap), _help_ece(ur["help_seeking"], y_help))
        log(f"  gold, calibrated on gold, causes thresholds at each label's best F1 (no labels budget), cross-fitted: "
            f"{json.dumps(unbudgeted)}")
        np_, nr, _ = cross_fitted(cb, windows, weights, enc, fold_of, replace(GOLD_CALIBRATION, post_calibration=False),
                                  lexical=lexical)
        no_map = headline(_scores(cb, np_, enc, bootstrap), _help_ece(nr["help_seeking"], y_help))
        log(f"  gold, calibrated on gold without help_seeking's post-level map (temperature only), cross-fitted: "
            f"{json.dumps(no_map)}")
        pp, pr, _ = cross_fitted(cb, windows, weights, enc, fold_of, GOLD_CALIBRATION, extra=(dw, dg, denc.take(range(len(dev)))),
                                 lexical=None if lexical is None else lexical + dlex)
        pooled = headline(_scores(cb, pp, enc, bootstrap), _help_ece(pr["help_seeking"], y_help))
        log(f"  gold, calibrated on silver dev + the other gold folds, cross-fitted: {json.dumps(pooled)}")

    # the shipped fit: every gold post
    cal = calibrate_posts(cb, windows, weights, enc.single, enc.multi, enc.multi_mask, GOLD_CALIBRATION, lexical=lexical)
    thresholds = {k: v["thresholds"] for k, v in cal.items()}
    in_sample = {k: v for k, v in logit_metrics(cb, probs_as_logits(cb, {k: v["probs"] for k, v in cal.items()}),
                                                enc, thresholds).items()}
    previous = {h["task"]: {f: h.get(f) for f in FIELDS} for h in meta["heads"] if h["task"] in cb.keys}
    for h in meta["heads"]:
        if h["task"] in cal:
            h.update({f: cal[h["task"]].get(f) for f in FIELDS})
            for f in ("post_calibration", "lexical_weight"):
                if h[f] is None:
                    del h[f]
    if any(h.get("post_calibration") for h in meta["heads"]):
        meta["format_version"] = max(meta["format_version"], 3)  # format 3: an engine that ignores maps refuses it
    if meta.get("lexical"):
        meta["format_version"] = max(meta["format_version"], 4)  # format 4: an engine without lexical heads refuses it
    if version:
        meta["version"] = version
    m = meta["metrics"]
    _rescore_dev(full, meta, m, dw, dg, dlex, denc, fp32 if fp32 is not None and fp32.exists() else None, log)
    m["calibration"] = {
        "fitted_on": "gold",
        "primary_heads": (f"help_seeking, condition, causes: temperatures, window aggregation and thresholds"
                          f"{' (help_seeking: with a post-level isotonic map of p(yes))' if GOLD_CALIBRATION.post_calibration else ''} fitted on "
                          f"the {len(gold)} gold dev posts that duplicate no corpus post (three annotators each, "
                          "majority labels; calibrate.calibrate_posts via `python -m mhelp_pipeline calibrate-on-gold`)"),
        "auxiliary_heads": "fitted on the silver dev split at export (export.py)",
        "estimate": f"metrics.gold_dev_cross_fitted: the same fit, {folds}-fold cross-fitted on gold (each fold scored "
                    "by settings fitted on the other folds); 95 % bootstrap intervals",
        "previous_primary_settings": previous,
        "aggregation_choice_f1_gold": {k: v["aggregation_f1"] for k, v in cal.items() if "aggregation_f1" in v},
        **({"lexical_weight_choice_gold": {k: {"weight": v["lexical_weight"], "fit_score": v["lexical_score"]}
                                           for k, v in cal.items()}} if lexical is not None else {}),
        "date": time.strftime("%Y-%m-%d"),
    }
    if compare:
        m["calibration"]["alternatives_cross_fitted"] = {
            "shipped (gold only, temperatures fitted on aggregated posts)": cv,
            "gold only, temperatures fitted on first windows (export.py's fit)": first_window,
            "silver dev split + gold, temperatures fitted on aggregated posts": pooled,
            "gold only, causes thresholds at each label's best F1 (no budget of predicted labels; 0.6.1's fit)": unbudgeted,
            "gold only, no post-level map of help_seeking's p(yes) (temperature only)": no_map,
            **({"gold only, the encoder alone (every lexical_weight 0)": no_lexical} if lexical is not None else {})}
    m["gold_dev_cross_fitted"] = cv
    m["gold_dev_in_sample"] = _compact(in_sample)
    m["gold_dev_in_sample_note"] = ("in-sample: the primary heads' calibration was fitted on these same gold posts; "
                                    "not an estimate of held-out performance (see gold_dev_cross_fitted)")
    m["gold_dev"] = None
    m["gold_dev_note"] = ("the primary heads are calibrated on gold dev, so there is no held-out as-shipped gold score; "
                          "the estimate is metrics.gold_dev_cross_fitted, the in-sample score metrics.gold_dev_in_sample")
    m["dev_split"] = m.get("dev_split", "").replace(
        "with the calibrated temperatures/thresholds above; calibrated on this same split",
        "with the calibrated temperatures/thresholds above (primary heads: fitted on gold dev, so the silver dev "
        "split is out of sample for them; auxiliary heads: calibrated on this same split)")
    res = {"model": str(model_dir), "version": meta.get("version"), "gold_posts": len(gold), "before": before,
           "cross_fitted": cv, "pooled": pooled, "first_window": first_window, "settings": {k: {f: cal[k].get(f) for f in FIELDS} for k in cal},
           "wall_seconds": round(time.time() - t0, 1)}
    if write:
        (model_dir / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        log(f"wrote {model_dir / 'model.json'} (version {meta.get('version')}); run `profiles` next")
    return res


def _fp32_of(model_dir: Path) -> Path | None:
    """build/export/<variant>/model.fp32.onnx when the int8 graph beside it is the one the model folder ships."""
    meta = json.loads((model_dir / "model.json").read_text())
    d = EXPORT_TMP / meta.get("variant", model_dir.name)
    if (d / "model.int8.onnx").exists() and file_sha256(d / "model.int8.onnx") == meta.get("onnx_sha256"):
        return d / "model.fp32.onnx"
    return None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", action="append", default=None,
                   help="model folder (repeatable; default ../models/default and ../models/fast)")
    p.add_argument("--version", default=None, help="new model version written to model.json (e.g. 0.6.0)")
    p.add_argument("--folds", type=int, default=5, help="folds of the cross-fitted estimate (5)")
    p.add_argument("--compare", action="store_true",
                   help="also cross-fit the alternatives (silver dev + gold; first-window temperatures) and record "
                        "their held-out gold estimates")
    p.add_argument("--fp32", default=None,
                   help="the fp32 graph of the model's int8 graph (default build/export/<variant>/model.fp32.onnx, "
                        "used only when its model.int8.onnx is the shipped one): re-measures the int8-vs-fp32 "
                        "shipped-decision agreement with the new settings")
    p.add_argument("--dry-run", action="store_true", help="print the estimates, write nothing")


def run(args: argparse.Namespace) -> int:
    dirs = [Path(d) for d in (args.model or [MODELS / "default", MODELS / "fast"])]
    try:
        for d in dirs:
            calibrate_on_gold(d.resolve(), args.version, folds=args.folds, compare=args.compare,
                              fp32=Path(args.fp32) if args.fp32 else _fp32_of(d.resolve()),
                              write=not args.dry_run, log=lambda s: print(s, flush=True))
    except (FileNotFoundError, GoldFormatError, ValueError) as e:
        print(f"calibrate-on-gold: {e}", file=sys.stderr)
        return 2
    return 0

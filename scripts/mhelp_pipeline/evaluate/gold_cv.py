"""k-fold cross-validation over the gold dev set -> reports/gold-cv.json (issue 3: "Gold-dev is small: use
k-fold cross-validation over it for the M-Help tasks, with the rest of the corpus always in training").

``python -m mhelp_pipeline gold-cv [--folds 5] [--extra NAME=DIR ...] [--only NAMES] [--out PATH]`` (needs
``../shared/data/gold/dev.jsonl``; says so and stops without it). Every model is scored on whole posts as the engine
scores them (every 128-token window run alone, each model's own int8 graph) in two ways:

- **as shipped**: the model's own temperatures, aggregation and thresholds; the numbers a user of that model
  folder gets, held out where they were fitted on the weak dev split, but **in-sample** for a model whose
  primary heads ``calibrate-on-gold`` fitted on these gold posts (``calibrated_on_gold``: never a headline);
- **cross-fitted on gold**: for each fold, temperatures, aggregation and thresholds are fitted on the
  other k-1 gold folds (calibrate.calibrate_posts, the same fit export.py runs on weak dev) and applied to
  the held-out fold; pooled over the folds, every gold post is scored by settings that never saw it. This
  is what calibrating the shipped heads on gold gives, measured honestly, and for a model calibrated on gold
  (calibrate_gold.py, the same fit: calibrate.GOLD_CALIBRATION) the estimate of what its users get: the
  headline.

Models: ``models/default``, ``models/fast`` and the export of their teacher (``paths.shipped_teacher_dir``; students
vs teacher, paired tests on the same gold posts); ``--extra NAME=DIR`` scores another model folder too (e.g. a
student that is measured, not shipped: student_sizes.py), ``--only`` keeps the named models (the teacher too, for
the paired tests), ``--out`` writes elsewhere than reports/gold-cv.json. ``--retrain`` (gold_retrain.py) adds the
issue's full protocol: per fold, a student distilled with the gold posts of the other folds as hard labels on top of
the whole training corpus.

The floor every model must beat is scored the same way (``GoldCVConfig.floor``): TF-IDF + logistic regression
(floors.floor_logits) trained on the corpus train split -- for the primary heads, the same silver labels the
models learn -- as trained (argmax / p >= 0.5) and cross-fitted with the models' own calibration (its logits as
one window per post), with paired model - floor tests (``paired_floor``).

Gold posts that are exact or near duplicates of a post in the corpus the models were built from
(``in_corpus``) are left out and counted: build-corpus drops them from the corpus only when the gold file
exists at build time, and the corpus may predate it. Folds are stratified by help_seeking x condition
(``stratified_folds``; gold has no author field). Annotator agreement (agreement.py) is measured on every
gold post read. Also reported: ECE of p(help-seeking) before and after gold calibration, and the shipped
default's cross-fitted decisions by source and post length (slices.py). No post text is written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ..core.codebook import Codebook, codebook
from ..core.io import read_jsonl
from ..core.paths import (CORPUS_DIR, GOLD_CV_DIR, GOLD_DEV, MODELS, REPO, REPORTS, base_model_dir, repo_relative,
                          shipped_teacher_dir)
from ..data.dedup import duplicate_clusters
from ..data.gold import GoldFormatError, load_gold
from ..data.normalise import normalise
from ..export.calibrate import GOLD_CALIBRATION, CalibrationConfig, calibrate_posts
from ..model.batching import Encoded, encode, load_tokenizer, targets
from ..runtime.inference import (Head, WindowRunner, as_shipped, decisions, empty_decisions, heads_probabilities,
                                 put_decisions)
from ..runtime.lexical import model_lexical, post_lexical
from ..train.distill import DistillConfig, add_student_arguments, config_with, student_layers
from .agreement import agreement
from .bootstrap import BootstrapConfig
from .floors import floor_logits
from .frontier import paired_headlines, task_scores
from .gold_retrain import pooled_held_out, retrain_folds
from .reliability import ece
from .slices import LENGTH_BUCKETS, TaskData, length_bucket, metrics_by_slice, source_slice


@dataclass(frozen=True)
class GoldCVConfig:
    folds: int = 5
    seed: int = 0
    # resolved when a config is made, not at import: build/teacher/L6-cpu may appear later in a process
    models: tuple[tuple[str, str], ...] = field(default_factory=lambda: (
        ("default", str(MODELS / "default")), ("fast", str(MODELS / "fast")),
        ("teacher", str(shipped_teacher_dir() / "model"))))
    teacher: str = "teacher"  # the paired reference for the students
    floor: bool = True  # also score floors.floor_logits (TF-IDF + LR on the corpus train split) like a model
    sliced: str = "default"  # the model whose cross-fitted decisions are sliced by source and post length
    bootstrap: BootstrapConfig = field(default_factory=BootstrapConfig)


def primary_codebook() -> Codebook:
    """The codebook's primary tasks: what gold labels (the M-Help tasks)."""
    cb = codebook()
    return cb.subset(cb.primary)


def stratified_folds(records: list[dict], k: int, seed: int = 0) -> np.ndarray:
    """Fold index per record: within each help_seeking x condition stratum, posts in a seeded hash order are
    dealt round-robin, continuing where the previous stratum stopped, so every fold gets each stratum's
    share (±1) and fold sizes differ by at most one. Deterministic for a file and seed."""
    if k < 2 or k > len(records):
        raise ValueError(f"folds must be between 2 and the number of gold posts ({len(records)}), not {k}")
    strata: dict[tuple, list[int]] = {}
    for i, r in enumerate(records):
        strata.setdefault((r["labels"]["help_seeking"], r["labels"]["condition"]), []).append(i)
    order = lambda i: hashlib.sha1(f"{seed}:{records[i]['text']}".encode()).hexdigest()  # noqa: E731
    folds = np.empty(len(records), dtype=int)
    pos = 0
    for key in sorted(strata):
        for i in sorted(strata[key], key=order):
            folds[i] = pos % k
            pos += 1
    return folds


def cross_fitted(cb: Codebook, windows: list[dict], weights: list[list[int]], enc: Encoded, folds: np.ndarray,
                 cfg: CalibrationConfig = GOLD_CALIBRATION, extra: tuple | None = None,
                 lexical: list[dict] | None = None) -> tuple[dict[str, tuple], dict[str, np.ndarray], list[dict]]:
    """Decisions ``{task: (pred, score)}`` and probabilities for every post from settings fitted on the other
    folds, and those settings per fold. Row i of every output belongs to post i. ``cfg``: by default the fit
    calibrate-on-gold ships (calibrate.GOLD_CALIBRATION), so the pooled result is that procedure's estimate.
    ``extra`` = (windows, weights, Encoded) of other posts (e.g. the silver dev split) added to every fold's fit
    set; the held-out gold fold is still scored only by settings that never saw it. ``lexical``: each post's lexical
    logits (a model with lexical heads; with ``extra``, the extra posts' after the gold posts'): every fold then also
    fits each head's lexical_weight (calibrate_posts)."""
    xw, xg, xe = extra if extra is not None else ([], [], None)
    if lexical is not None and len(lexical) != len(windows) + len(xw):
        raise ValueError(f"lexical logits for {len(lexical)} posts, windows for {len(windows) + len(xw)}")
    n = len(windows)
    probs = {t.key: np.zeros((n, t.n)) for t in cb.tasks}
    preds = empty_decisions(cb, n)
    settings = []
    for f in range(int(folds.max()) + 1):
        fit, held = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        sub = enc.take(fit) if xe is None else enc.take(fit).concat(xe)
        lex_fit = None if lexical is None else [lexical[i] for i in fit] + lexical[len(windows):]
        cal = calibrate_posts(cb, [windows[i] for i in fit] + list(xw), [weights[i] for i in fit] + list(xg), sub.single,
                              sub.multi, sub.multi_mask, cfg, lexical=lex_fit)
        heads = {t.key: Head(t.key, t.kind, list(t.labels), cal[t.key]["temperature"], cal[t.key]["thresholds"],
                             cal[t.key]["aggregation"], cal[t.key].get("post_calibration"),
                             cal[t.key].get("lexical_weight", 0.0)) for t in cb.tasks}
        p = heads_probabilities(cb, heads, windows, weights, held, lexical)
        put_decisions(preds, decisions(heads, p), held)
        for k in probs:
            probs[k][held] = p[k]
        settings.append({k: {"temperature": h.temperature, "thresholds": h.thresholds, "aggregation": h.aggregation,
                             **({"post_calibration": h.post_calibration} if h.post_calibration else {}),
                             **({"lexical_weight": h.lexical_weight} if lexical is not None else {})}
                         for k, h in heads.items()})
    return preds, probs, settings


def _scores(cb: Codebook, preds: dict, enc: Encoded, bootstrap: BootstrapConfig) -> dict:
    out = {t.key: task_scores(t, preds[t.key], enc, bootstrap, per_label=True) for t in cb.tasks}
    for t in cb.tasks:
        if t.kind == "multi_label":  # the target: mean labels per post within 20 % of gold's
            y, _ = targets(t, enc)
            out[t.key]["labels_per_post"] = {"predicted": round(float(np.asarray(preds[t.key][0]).sum(1).mean()), 3),
                                             "gold": round(float(y.sum(1).mean()), 3)}
    return out


def gold_slices(cb: Codebook, preds: dict[str, tuple], enc: Encoded) -> dict:
    """slices.py's source and post-length slices of one model's gold decisions."""
    tasks = [TaskData(t, preds[t.key][0], *targets(t, enc), preds[t.key][1]) for t in cb.tasks]
    order = [k for k, _, _ in LENGTH_BUCKETS]
    return {"by_source": metrics_by_slice([source_slice(s) for s in enc.sources], tasks),
            "by_length": metrics_by_slice([length_bucket(n) for n in enc.n_tokens], tasks,
                                          order=lambda present: [k for k in order if k in present])}


def calibrated_on_gold(meta: dict) -> bool:
    """Were the model's primary heads calibrated on gold dev (calibrate_gold.py)?"""
    return ((meta.get("metrics") or {}).get("calibration") or {}).get("fitted_on") == "gold"


def _help_ece(probs: np.ndarray, y: np.ndarray) -> float:
    """ECE of p(help-seeking = yes) against the gold label (reliability.py's p_yes variant)."""
    return ece(probs[:, 1], (y == 1).astype(float))


def in_corpus(gold: list[dict], corpus_dir: Path) -> np.ndarray:
    """Per gold post: is it an exact or near duplicate (dedup.py) of a post in the corpus' train or dev split?
    build-corpus removes such posts when the gold file is present at build time; a corpus built before the
    gold file arrived still has them, and every model trained on it may have learned those posts."""
    corpus = [r["text"] for split in ("train", "dev") for r in read_jsonl(corpus_dir / f"{split}.jsonl")]
    roots = duplicate_clusters([r["text"] for r in gold] + corpus)
    seen = set(roots[len(gold):])
    return np.array([roots[i] in seen for i in range(len(gold))], dtype=bool)


def gold_cv(cfg: GoldCVConfig = GoldCVConfig(), gold_path: Path = GOLD_DEV, out: Path | None = REPORTS / "gold-cv.json",
            retrain: DistillConfig | None = None, corpus_dir: Path = CORPUS_DIR, retrain_dir: Path = GOLD_CV_DIR,
            log=print) -> dict:
    """``retrain``: also distil one student per fold and depth in ``retrain.layers`` (gold_retrain.py)."""
    t0 = time.time()
    gold = load_gold(gold_path)
    if gold is None:
        raise FileNotFoundError(f"{gold_path} is absent: gold-dev cross-validation needs the gold set "
                                "(../shared/data/gold/dev.jsonl, see ../shared/data/MANIFEST.md)")
    if not (corpus_dir / "train.jsonl").exists():
        raise FileNotFoundError(f"{corpus_dir}/train.jsonl is absent: run `python -m mhelp_pipeline build-corpus` "
                                "first (gold-cv checks which gold posts the models' training corpus contains)")
    agreed = agreement(gold)
    seen = in_corpus(gold, corpus_dir)
    read = len(gold)
    gold = [r for r, s in zip(gold, seen) if not s]  # scored only where no model can have trained on the post
    log(f"gold: {read} posts read, {int(seen.sum())} left out as duplicates of corpus posts, {len(gold)} scored")
    cb = primary_codebook()
    folds = stratified_folds(gold, cfg.folds, cfg.seed)
    res: dict = {"what": "gold-dev k-fold cross-validation (gold_cv.py docstring)", "gold_posts_read": read,
                 "left_out_in_corpus": int(seen.sum()), "gold_posts": len(gold),
                 "config": {**asdict(cfg), "models": {n: repo_relative(d) for n, d in cfg.models}},
                 "fold_sizes": np.bincount(folds).tolist(), "agreement": agreed, "models": {},
                 "paired": {}}
    preds: dict[str, dict] = {}
    # labels, sources and whole-post token counts (length slices); every model shares the MiniLM tokenizer,
    # and the first-window ids that max_length cuts are not used here
    enc = encode(gold, load_tokenizer(base_model_dir() / "tokenizer.json"), codebook(), 128)
    for name, d in cfg.models:
        d = Path(d)
        if not (d / "model.json").exists():
            log(f"{name}: {d} has no model.json; skipped")
            res["models"][name] = {"skipped": f"{d} has no model.json"}
            continue
        meta = json.loads((d / "model.json").read_text())
        runner = WindowRunner(d / meta["onnx"], d / meta["tokenizer"], meta["max_length"], meta["stride"], cb.keys)
        windows, weights = runner.run_posts([r["text"] for r in gold])
        lexical = post_lexical(model_lexical(d, meta), [r["text"] for r in gold])
        shipped_preds, shipped_probs = as_shipped(cb, meta, windows, weights, lexical)
        cv_preds, cv_probs, settings = cross_fitted(cb, windows, weights, enc, folds, lexical=lexical)
        y = np.array(enc.single["help_seeking"])
        preds[name] = cv_preds
        res["models"][name] = {
            "dir": str(d.resolve().relative_to(REPO)) if d.resolve().is_relative_to(REPO) else str(d),
            "version": meta.get("version"), "layers": meta["architecture"]["layers"],
            "lexical_heads": lexical is not None,
            # calibrate-on-gold fitted the primary heads on these posts: "as shipped" is then in-sample, and
            # "cross_fitted" (the same fit, on the other folds) is the estimate of what users get
            "calibrated_on_gold": calibrated_on_gold(meta),
            "as_shipped": _scores(cb, shipped_preds, enc, cfg.bootstrap),
            "cross_fitted": _scores(cb, cv_preds, enc, cfg.bootstrap),
            "help_seeking_ece": {"as_shipped": _help_ece(shipped_probs["help_seeking"], y),
                                 "cross_fitted": _help_ece(cv_probs["help_seeking"], y)},
            "fold_settings": settings}
        if name == cfg.sliced:
            res["slices"] = gold_slices(cb, cv_preds, enc)
        log(f"{name}: gold CV help F1 {res['models'][name]['cross_fitted']['help_seeking']['f1']:.3f} "
            f"(as shipped {res['models'][name]['as_shipped']['help_seeking']['f1']:.3f})")
    if cfg.floor:
        _score_floor(res, cb, gold, enc, folds, corpus_dir, preds, cfg, log)
    if retrain is not None:
        res["retrained"] = {}
        for layers in retrain.layers:
            dirs, summary = retrain_folds(cb, gold, folds, retrain, layers, corpus_dir, retrain_dir, log)
            name = f"gold-trained L{layers}"
            preds[name] = pooled_held_out(cb, dirs, gold, folds)
            res["retrained"][name] = {**summary, "held_out": _scores(cb, preds[name], enc, cfg.bootstrap),
                                      "paired": {}}
            for other in (n for n in preds if n != name and not n.startswith("gold-trained")):
                res["retrained"][name]["paired"][f"{name} - {other}"] = paired_headlines(preds[name], preds[other],
                                                                                         enc, cfg.bootstrap)
            log(f"{name}: held-out help F1 {res['retrained'][name]['held_out']['help_seeking']['f1']:.3f}")
    if cfg.teacher in preds:
        for name in res["models"]:
            if name != cfg.teacher and name in preds:
                res["paired"][f"{name} - {cfg.teacher}"] = paired_headlines(preds[name], preds[cfg.teacher], enc,
                                                                            cfg.bootstrap)
    res["date"], res["wall_seconds"] = time.strftime("%Y-%m-%d"), round(time.time() - t0, 1)
    if out is not None:
        out.write_text(json.dumps(res, indent=1) + "\n")
        log(f"wrote {out}")
    return res


def _score_floor(res: dict, cb: Codebook, gold: list[dict], enc: Encoded, folds: np.ndarray, corpus_dir: Path,
                 preds: dict, cfg: GoldCVConfig, log) -> None:
    """The TF-IDF + LR floor trained on the corpus train split (the models' own training labels: silver for the
    primary heads), scored on gold like a model: ``as_trained`` (argmax / p >= 0.5 of its class-balanced
    regressions) and cross-fitted with the models' calibration (one window per post); paired model - floor."""
    logits = floor_logits(list(cb.tasks), read_jsonl(corpus_dir / "train.jsonl"), [normalise(r["text"]) for r in gold])
    if logits is None:
        res["floor"] = {"skipped": f"no post of {corpus_dir}/train.jsonl carries a primary label"}
        log("floor: skipped (no labelled training posts)")
        return
    windows = [{k: v[i:i + 1] for k, v in logits.items()} for i in range(len(gold))]
    weights = [[1] for _ in gold]
    raw = {t.key: Head(t.key, t.kind, list(t.labels), 1.0, [0.5] if t.n == 2 else None, "token_mean")
           for t in cb.tasks}
    as_trained = decisions(raw, heads_probabilities(cb, raw, windows, weights, range(len(gold))))
    cv_preds, cv_probs, _ = cross_fitted(cb, windows, weights, enc, folds)
    y = np.array(enc.single["help_seeking"])
    res["floor"] = {"what": "TF-IDF (word 1-2-grams) + class-balanced logistic regression per task, trained on the "
                            "corpus train split (floors.py), scored on the same gold posts",
                    "as_trained": _scores(cb, as_trained, enc, cfg.bootstrap),
                    "cross_fitted": _scores(cb, cv_preds, enc, cfg.bootstrap),
                    "help_seeking_ece": {"cross_fitted": _help_ece(cv_probs["help_seeking"], y)}}
    res["paired_floor"] = {f"{name} - floor": paired_headlines(preds[name], cv_preds, enc, cfg.bootstrap)
                           for name in res["models"] if name in preds}
    log(f"floor: gold CV help F1 {res['floor']['cross_fitted']['help_seeking']['f1']:.3f}, causes macro-F1 "
        f"{res['floor']['cross_fitted']['causes']['macro_f1']:.3f}")


# --- the `gold-cv` command ---------------------------------------------------------------------------------------

def extra_model(option: str) -> tuple[str, str]:
    """``--extra NAME=DIR`` -> (NAME, absolute DIR): one more model folder (a model.json and its int8 graph) to
    score. Absolute, because the onnxruntime-web runner runs from the repository root, not from scripts/."""
    name, sep, d = option.partition("=")
    if not sep or not name.strip() or not d.strip():
        raise argparse.ArgumentTypeError(f"--extra {option!r}: expected NAME=DIR")
    return name.strip(), str(Path(d.strip()).resolve())


def models_from_args(models: tuple[tuple[str, str], ...], extra: list[tuple[str, str]] | None,
                     only: str | None) -> tuple[tuple[str, str], ...]:
    """The default models plus every ``--extra`` (an extra may not reuse a name), kept to ``--only``'s names
    (comma-separated, in the order given) when that is set."""
    out = dict(models)
    for name, d in extra or []:
        if name in out:
            raise ValueError(f"--extra {name}={d}: the name {name!r} is already taken ({out[name]})")
        out[name] = d
    if not only:
        return tuple(out.items())
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in out]
    if unknown:
        raise ValueError(f"--only: no model named {', '.join(unknown)} (models: {', '.join(out)})")
    return tuple((n, out[n]) for n in names)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--folds", type=int, default=None, help="folds over the gold dev set (5)")
    p.add_argument("--extra", type=extra_model, action="append", default=None, metavar="NAME=DIR",
                   help="also score this model folder under NAME (repeatable), e.g. an unshipped student")
    p.add_argument("--only", default=None, metavar="NAMES",
                   help="score only these models (comma-separated names: default, fast, teacher, or an --extra); "
                        "keep the teacher for the paired differences")
    p.add_argument("--out", default=None,
                   help="where to write the report (default reports/gold-cv.json; give another path for a run with "
                        "--extra or --only, so the shipped report is not replaced)")
    p.add_argument("--no-floor", action="store_true", help="do not score the TF-IDF + LR floor (saves ~2 min)")
    p.add_argument("--reference", default=None, metavar="NAME",
                   help="the model every other one is compared with in the paired tests (default: teacher); e.g. "
                        "default, to compare candidate students with the shipped one")
    p.add_argument("--retrain", action="store_true",
                   help="also distil a student per fold with the other folds' gold posts in training")
    add_student_arguments(p, layers="3", steps="1500", teacher="default: the shipped students' teacher",
                          note="--retrain: ")


def run(args: argparse.Namespace) -> int:
    retrain = None
    if args.retrain:
        # default: the shipped default's recipe (3 layers, 1,500 steps, its own teacher)
        retrain = config_with(layers=student_layers(args.student_layers) or (3,), steps=args.steps or 1500,
                              alpha=args.alpha, device=args.device,
                              teacher=args.teacher or str(shipped_teacher_dir() / "best"), seed=args.seed)
    try:
        cfg = GoldCVConfig()
        cfg = replace(cfg, models=models_from_args(cfg.models, args.extra, args.only),
                      **({"folds": args.folds} if args.folds else {}),
                      **({"teacher": args.reference} if args.reference else {}), floor=not args.no_floor)
        if args.reference and cfg.teacher not in dict(cfg.models):
            raise ValueError(f"--reference {cfg.teacher}: not among the models scored ({', '.join(dict(cfg.models))})")
        if cfg.sliced not in dict(cfg.models):  # --only without the default: slice the first model instead
            cfg = replace(cfg, sliced=cfg.models[0][0])
        gold_cv(cfg, retrain=retrain, log=lambda m: print(m, flush=True),
                **({"out": Path(args.out)} if args.out else {}))
    except (FileNotFoundError, GoldFormatError, ValueError) as e:  # what to fix, not a traceback
        print(f"gold-cv: {e}", file=sys.stderr)
        return 2
    return 0

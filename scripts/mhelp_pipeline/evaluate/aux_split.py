"""Auxiliary heads on a held-out split that predicts their test sets -> reports/aux-split.json (issue 13, item 8).

Why the dev gains over the TF-IDF floor (reports/floors.json + reports/shipped-dev.json) can exceed what a
public test split shows, measured per auxiliary head:

- **Near duplicates across the split.** build-corpus merges duplicates at Jaccard/containment >= 0.8 of word
  8-grams (data/dedup.py) before the group split, so those never cross it; a dev row can still share most of
  its text with a train row below that threshold (a re-posted or edited post, a Dreaddit segment, an IMHI
  copy of a post), and texts under 8 words have no 8-grams at all (SAD's one-sentence stressors): only their
  exact text is compared. Here a dev row is *leaked* when any train row (either training corpus, below) is
  its exact normalised duplicate, shares >= ``containment`` of the shorter text's word 8-grams, or, for
  short texts (< ``short_words`` words), has word-set Jaccard >= ``short_jaccard`` with it.
- **Two training corpora.** The floor trains on build/corpus/train.jsonl (per-source caps); the shipped
  students are distilled on build/corpus-all (no caps: e.g. every SAD sentence). Same split hash, so the
  same dev rows, but the model sees more rows and more near duplicates of dev. Both are checked.
- **In-sample calibration.** The shipped temperatures, thresholds and the best step were chosen on the dev
  split; the floor's settings were not. The model is also scored with temperature 1 and argmax/0.5 decisions
  ("uncalibrated") to show how much of its dev gain those fitted settings carry.
- **SAD's crowd-written sentences** (SAD_v1 ``Source`` mTurk_synthetic*, written on request) are scored
  apart from the rest (Inquire*, popbots_live), on the dev rows and on the held-out validation rows.
- **Distribution**: label shares and length of the dev rows vs each source's own validation file.

The held-out split ("heldout") = dev rows with no such duplicate in either train split, plus the rows of the
sources' own validation files that are neither duplicates of train rows nor of rows already taken (IMHI's
SAD, dreaddit, Irf and MultiWD validation files; irf/val_data.csv, whose rows are in the corpus already).
Held-out test files are never read.

**Primary metric**: per auxiliary head, weighted F1 of the shipped default model (whole posts, as the engine
decides them: inference.Predictor) minus weighted F1 of the TF-IDF + LR floor (trained on build/corpus train
exactly as floors.py does) on the held-out split, in points, with a paired bootstrap 95 % CI
(``heads.<head>.splits.heldout.model_minus_floor``). The same difference on the whole dev split is reported
beside it (it reproduces floors.json / shipped-dev.json).

``python -m mhelp_pipeline aux-split`` (~5 min on 2 CPU threads; ``--limit`` for a smoke run).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ..core.codebook import IGNORE, Task, codebook
from ..core.io import read_jsonl
from ..core.paths import BUILD, CORPUS_DIR, MODELS, RAW, REPORTS
from ..data.dedup import DedupConfig, duplicate_clusters, exact_key, shingles
from ..data.normalise import normalise
from .bootstrap import BootstrapConfig, paired_bootstrap
from .floors import FloorConfig, targets, tfidf_lr, vectoriser
from .metrics import issue_metrics, labelled_rows

_WORD = re.compile(r"[a-z0-9']+")
SPLITS = ("dev", "dev_clean", "validation", "heldout")


@dataclass(frozen=True)
class SplitConfig:
    ngram: int = 8
    containment: float = 0.5  # of the shorter text's 8-grams (dedup.py merges at 0.8)
    short_words: int = 20  # texts shorter than this are also compared by word sets
    short_jaccard: float = 0.7
    max_posting: int = 200  # 8-grams shared by more train rows are boilerplate, not evidence
    dedup: DedupConfig = DedupConfig()  # among the candidates (a validation copy of a dev row)
    bootstrap: BootstrapConfig = field(default_factory=BootstrapConfig)


# --- near duplicates of train rows -------------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class TrainIndex:
    """Train texts indexed for 'has this text a near duplicate among them?' (module docstring's rule)."""

    def __init__(self, texts: list[str], cfg: SplitConfig = SplitConfig()) -> None:
        self.cfg = cfg
        self.exact: dict[str, int] = {}
        for i, t in enumerate(texts):
            self.exact.setdefault(exact_key(t), i)
        sh = [shingles(t, cfg.ngram) for t in texts]
        self.sizes = np.array([len(s) for s in sh])
        h = np.concatenate([s for s in sh if len(s)]) if self.sizes.sum() else np.zeros(0, np.uint64)
        d = np.repeat(np.arange(len(texts)), self.sizes)
        order = np.argsort(h, kind="stable")
        self.h, self.d = h[order], d[order]
        self.short = [(i, frozenset(w)) for i, t in enumerate(texts)
                      if len(w := _words(t)) < 2 * cfg.short_words]
        self.n = len(texts)

    def match(self, text: str) -> tuple[str, int] | None:
        """(kind, train row) of the first near duplicate found: "exact", "8gram" or "short"; None if none."""
        j = self.exact.get(exact_key(text))
        if j is not None:
            return "exact", j
        s = shingles(text, self.cfg.ngram)
        if len(s):
            lo = np.searchsorted(self.h, s, "left")
            hi = np.searchsorted(self.h, s, "right")
            ok = (hi - lo) <= self.cfg.max_posting
            if ok.any():
                docs = np.concatenate([self.d[a:b] for a, b in zip(lo[ok], hi[ok])])
                if len(docs):
                    counts = np.bincount(docs, minlength=self.n)
                    cand = np.flatnonzero(counts)
                    frac = counts[cand] / np.minimum(len(s), np.maximum(self.sizes[cand], 1))
                    best = int(np.argmax(frac))
                    if frac[best] >= self.cfg.containment:
                        return "8gram", int(cand[best])
        w = frozenset(_words(text))
        if w and len(_words(text)) < self.cfg.short_words:
            for j, v in self.short:
                inter = len(w & v)
                if inter and inter / (len(w) + len(v) - inter) >= self.cfg.short_jaccard:
                    return "short", j
        return None


def _family(source: str) -> str:
    return "silver" if source.startswith("silver/") else ("reddit" if source.startswith("reddit-") else source)


# --- the sources' own validation files ---------------------------------------------------------------------------

def _imhi_rows(path: Path):
    from ..data.sources import imhi_label

    csv.field_size_limit(1 << 30)
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            yield normalise(r["post"].removeprefix("Post: ")), r["question"], imhi_label(r["response"])


def validation_records(raw: Path = RAW) -> list[dict]:
    """Records (text, source, labels) of the sources' own validation files, labels in codebook form."""
    cb = codebook()
    out: list[dict] = []
    sad = cb.task("sad_cause")
    p = raw / "imhi-train" / "SAD" / "val.csv"
    if p.exists():
        out += [{"text": t, "source": "imhi-val/SAD", "labels": {"sad_cause": lab}}
                for t, _, lab in _imhi_rows(p) if lab in sad.labels]
    p = raw / "imhi-train" / "dreaddit" / "val.csv"
    if p.exists():
        out += [{"text": t, "source": "imhi-val/dreaddit", "labels": {"dreaddit_stress": lab}}
                for t, _, lab in _imhi_rows(p) if lab in ("yes", "no")]
    # IMHI Irf / MultiWD: one row per (post, label) question; merged into one record per post.
    for name, key in (("Irf", "irf"), ("MultiWD", "multiwd")):
        p = raw / "imhi-train" / name / "val.csv"
        if not p.exists():
            continue
        task, by_text = cb.task(key), {}
        for t, q, lab in _imhi_rows(p):
            which = [x for x in task.labels if x in q.lower()]
            if len(which) == 1 and lab in ("yes", "no"):
                by_text.setdefault(t, {})[which[0]] = int(lab == "yes")
        out += [{"text": t, "source": f"imhi-val/{name}", "labels": {key: v}} for t, v in by_text.items()]
    p = raw / "irf" / "val_data.csv"
    if p.exists():
        irf = cb.task("irf").labels
        with open(p, encoding="utf-8", newline="") as fh:
            out += [{"text": normalise(r["text"]), "source": "irf/val_data",
                     "labels": {"irf": {irf[0]: int(r["belong"]), irf[1]: int(r["burden"])}}}
                    for r in csv.DictReader(fh)]
    return [r for r in out if len(r["text"].split()) >= 1]


def sad_rows(raw: Path = RAW) -> dict[str, dict]:
    """exact_key(sentence) -> {"source": SAD_v1 ``Source`` (Inquire, mTurk_synthetic, popbots_live, ...),
    "top": ``top_label`` (the raters' majority, what the corpus trains on), "original": ``original_label`` (the
    author's or the scraping query's label)}, both as sad_cause labels."""
    from ..data.sources import _SAD_AUX

    p = raw / "sad" / "SAD_v1.csv"
    if not p.exists():
        return {}
    with open(p, encoding="utf-8", newline="") as fh:
        return {exact_key(normalise(r["sentence"])): {"source": r["Source"], "top": _SAD_AUX[r["top_label"]],
                                                      "original": _SAD_AUX.get(r["original_label"])}
                for r in csv.DictReader(fh)}


def label_agreement(raw: Path = RAW, sad: dict | None = None) -> dict:
    """How often the IMHI copies' labels equal the original datasets' labels on the same text (exact_key):
    SAD (vs ``top_label`` and ``original_label``), Dreaddit and IRF (per label). IMHI's train and validation
    files only."""
    sad = sad_rows(raw) if sad is None else sad
    out: dict = {}
    c = Counter()
    for f in ("train.csv", "val.csv"):
        p = raw / "imhi-train" / "SAD" / f
        for t, _, lab in (_imhi_rows(p) if p.exists() else ()):
            r = sad.get(exact_key(t))
            c["rows"] += 1
            if r:
                c["matched"] += 1
                c["equal_top_label"] += r["top"] == lab
                c["equal_original_label"] += r["original"] == lab
    out["sad_cause"] = dict(c)
    p, q = raw / "dreaddit" / "dreaddit-train.csv", raw / "imhi-train" / "dreaddit" / "dreaddit-train.csv"
    if p.exists() and q.exists():
        with open(p, encoding="utf-8", newline="") as fh:
            dd = {exact_key(normalise(r["text"])): "yes" if r["label"] == "1" else "no" for r in csv.DictReader(fh)}
        c = Counter()
        for t, _, lab in _imhi_rows(q):
            c["rows"] += 1
            if exact_key(t) in dd:
                c["matched"] += 1
                c["equal"] += dd[exact_key(t)] == lab
        out["dreaddit_stress"] = dict(c)
    irf_labels = codebook().task("irf").labels
    orig: dict = {}
    for f in ("train_data.csv", "val_data.csv"):
        p = raw / "irf" / f
        if p.exists():
            with open(p, encoding="utf-8", newline="") as fh:
                for r in csv.DictReader(fh):
                    orig[exact_key(normalise(r["text"]))] = {irf_labels[0]: int(r["belong"]),
                                                             irf_labels[1]: int(r["burden"])}
    p = raw / "imhi-train" / "Irf" / "val.csv"
    if p.exists():
        c = Counter()
        for t, q_, lab in _imhi_rows(p):
            which = [x for x in irf_labels if x in q_.lower()]
            o = orig.get(exact_key(t))
            c["rows"] += 1
            if o and len(which) == 1:
                c["matched"] += 1
                c[f"equal: {which[0]}"] += o[which[0]] == int(lab == "yes")
                c[f"matched: {which[0]}"] += 1
        out["irf"] = dict(c)
    return out


# --- the split ---------------------------------------------------------------------------------------------------

def build_split(dev: list[dict], validation: list[dict], train_indexes: dict[str, TrainIndex],
                train_sources: dict[str, list[str]], aux: tuple[str, ...], cfg: SplitConfig = SplitConfig()):
    """Candidates = dev rows carrying an auxiliary label, then validation rows. Returns the records:
    each record gets ``split_from`` ("dev"/"validation"), ``leak`` ({train name: [kind, train family]} for
    every train split holding a near duplicate) and ``heldout`` (no leak, and a validation row also no near
    duplicate of an earlier candidate)."""
    recs = [dict(r, split_from="dev") for r in dev if any(k in r["labels"] for k in aux)]
    recs += [dict(r, split_from="validation") for r in validation]
    for r in recs:
        leak = {}
        for name, idx in train_indexes.items():
            m = idx.match(r["text"])
            if m:
                leak[name] = [m[0], _family(train_sources[name][m[1]])]
        r["leak"] = leak
        r["heldout"] = not leak
    # a validation row that duplicates an earlier candidate (dedup.py's rule) is that candidate again
    roots = duplicate_clusters([r["text"] for r in recs], cfg.dedup)
    for i, r in enumerate(recs):
        if roots[i] != i:
            r["dup_of_candidate"] = True
            if r["split_from"] == "validation":
                r["heldout"] = False
    return recs


def leak_summary(recs: list[dict], key: str) -> dict:
    """Per candidate origin: rows, held-out rows, and near duplicates by train split, kind and train source."""
    out = {}
    for origin in ("dev", "validation"):
        rs = [r for r in recs if key in r["labels"] and r["split_from"] == origin]
        if not rs:
            continue
        by: dict = {}
        for r in rs:
            for name, (kind, fam) in r["leak"].items():
                d = by.setdefault(name, {"rows": 0, "kind": Counter(), "train_source": Counter()})
                d["rows"] += 1
                d["kind"][kind] += 1
                d["train_source"][fam] += 1
        out[origin] = {"rows": len(rs), "heldout": sum(r["heldout"] for r in rs),
                       "duplicate_of_other_candidate": sum(bool(r.get("dup_of_candidate")) for r in rs),
                       "sources": dict(Counter(r["source"] if origin == "validation" else _family(r["source"])
                                               for r in rs)),
                       "near_duplicate_in_train": {n: {"rows": d["rows"], "kind": dict(d["kind"]),
                                                       "train_source": dict(d["train_source"])}
                                                   for n, d in by.items()}}
    return out


# --- scoring -----------------------------------------------------------------------------------------------------

def model_outputs(model_dir: Path, recs: list[dict], aux: tuple[str, ...], log=print):
    """Per post, as the engine runs it: raw window logits per head and window weights; plus the heads."""
    from ..runtime.inference import Predictor

    pred = Predictor(model_dir)
    logits, weights = [], []
    t0 = time.time()
    for i, r in enumerate(recs):
        wins = pred.encode_windows(r["text"])
        logits.append(pred.logits(wins))
        weights.append([len(w) - 2 for w in wins])
        if (i + 1) % 500 == 0:
            log(f"  model: {i + 1}/{len(recs)} posts, {time.time() - t0:.0f} s")
    heads = {h.task: h for h in pred.heads if h.task in aux}
    return heads, logits, weights


def model_decisions(heads: dict, logits: list[dict], weights: list[list[int]], recs: list[dict],
                    cb, fold: np.ndarray) -> dict[str, dict[str, tuple]]:
    """{"model": shipped decisions, "model_uncalibrated": temperature 1 and argmax / 0.5, "model_crossfit":
    binary and multi-label thresholds re-fitted on the other half of the dev rows (validation rows: on all
    dev rows)}; each {task: (pred, score)} as inference.decisions returns them."""
    from ..export.calibrate import CalibrationConfig, best_f1_threshold
    from ..runtime.inference import decisions, post_probabilities

    probs = {k: post_probabilities(h, [z[k] for z in logits], weights) for k, h in heads.items()}
    raw = {k: replace(h, temperature=1.0, thresholds=None) for k, h in heads.items()}
    raw_probs = {k: post_probabilities(h, [z[k] for z in logits], weights) for k, h in raw.items()}
    out = {"model": decisions(heads, probs), "model_uncalibrated": decisions(raw, raw_probs)}
    cross = {}
    ccfg = CalibrationConfig()
    dev = np.array([r["split_from"] == "dev" for r in recs])
    for k, h in heads.items():
        if h.thresholds is None:
            cross[k] = out["model"][k]
            continue
        task = cb.task(k)
        y, m = targets(task, recs)
        p = probs[k]
        pred = out["model"][k][0].copy()
        for f in (0, 1, None):  # None: the validation rows, thresholds from every dev row
            fit = dev & (fold != f) if f is not None else dev
            apply = dev & (fold == f) if f is not None else ~dev
            if task.kind == "single_label":
                ok = fit & (y != IGNORE)
                t = best_f1_threshold(p[ok, 1], (y[ok] == 1).astype(int), ccfg) if ok.sum() else h.thresholds[0]
                pred[apply] = (p[apply, 1] >= t).astype(int)
            else:
                for j in range(task.n):
                    ok = fit & (m[:, j] > 0)
                    t = (best_f1_threshold(p[ok, j], y[ok, j], ccfg)
                         if y[ok, j].sum() >= ccfg.min_positives else 0.5)
                    pred[apply, j] = (p[apply, j] >= t).astype(int)
        cross[k] = (pred, out["model"][k][1])
    out["model_crossfit"] = cross
    return out


def floor_decisions(train: list[dict], recs: list[dict], aux: tuple[str, ...], cfg: FloorConfig) -> dict:
    """The TF-IDF + LR floor of every auxiliary head, trained on ``train`` exactly as floors.py does."""
    vec = vectoriser(cfg)
    X_tr = vec.fit_transform([r["text"] for r in train])
    X = vec.transform([r["text"] for r in recs])
    cb = codebook()
    out = {}
    for k in aux:
        task = cb.task(k)
        y_tr, m_tr = targets(task, train)
        out[k] = tfidf_lr(task, X_tr, y_tr, m_tr, X, cfg)
    return out


def _wf1(task: Task, pred, y, m, rows: np.ndarray) -> float:
    return float(issue_metrics(task, pred[rows], y[rows], None if m is None else m[rows]).get("weighted_f1",
                                                                                             float("nan")))


def compare(task: Task, systems: dict[str, tuple], y, m, rows: np.ndarray, pairs, cfg: SplitConfig) -> dict:
    """Weighted F1 of every system on ``rows`` and paired-bootstrap differences (points) for ``pairs``."""
    res: dict = {"n": int(len(rows)), "weighted_f1": {s: _wf1(task, p[0], y, m, rows) for s, p in systems.items()}}
    if len(rows) < 2:
        return res

    def metric(pred):
        return lambda ix: _wf1(task, pred, y, m, rows[ix])

    for a, b in pairs:
        d = paired_bootstrap(metric(systems[a][0]), metric(systems[b][0]), len(rows), cfg.bootstrap)
        res[f"{a}_minus_{b}"] = {"points": 100 * d["diff"], "ci95": [100 * d["ci_low"], 100 * d["ci_high"]],
                                 "p_value": d["p_value"]}
    return res


def split_rows(recs: list[dict], split: str) -> np.ndarray:
    sel = {"dev": lambda r: r["split_from"] == "dev",
           "dev_clean": lambda r: r["split_from"] == "dev" and r["heldout"],
           "validation": lambda r: r["split_from"] == "validation" and r["heldout"],
           "heldout": lambda r: r["heldout"]}[split]
    return np.array([i for i, r in enumerate(recs) if sel(r)], dtype=int)


def distribution(task: Task, recs: list[dict]) -> dict:
    """Label shares (single-label: share of rows; multi-label: positives / known) and mean words, by origin."""
    out = {}
    groups: dict[str, list[dict]] = {}
    for r in recs:
        if task.key in r["labels"]:
            groups.setdefault("dev" if r["split_from"] == "dev" else r["source"], []).append(r)
    for g, rs in groups.items():
        if task.kind == "single_label":
            c = Counter(r["labels"][task.key] for r in rs)
            shares = {lab: round(c[lab] / len(rs), 3) for lab in task.labels}
        else:
            shares = {}
            for lab in task.labels:
                known = [r["labels"][task.key][lab] for r in rs if lab in r["labels"][task.key]]
                shares[lab] = round(sum(known) / len(known), 3) if known else None
        out[g] = {"rows": len(rs), "label_share": shares,
                  "mean_words": round(float(np.mean([len(r["text"].split()) for r in rs])), 1)}
    return out


CROWD = "mTurk"  # SAD_v1 Source prefix of the sentences written on request by crowd workers (mTurk_synthetic*)


def aux_split(cfg: SplitConfig = SplitConfig(), corpus_dir: Path = CORPUS_DIR,
              model_train_dir: Path = BUILD / "corpus-all", model_dir: Path = MODELS / "default",
              floors_path: Path = REPORTS / "floors.json", out: Path | None = REPORTS / "aux-split.json",
              raw: Path = RAW, limit: int | None = None, log=print) -> dict:
    t0 = time.time()
    cb = codebook()
    aux = tuple(t.key for t in cb.tasks if not t.primary)
    tr, dv = read_jsonl(corpus_dir / "train.jsonl"), read_jsonl(corpus_dir / "dev.jsonl")
    trains = {"corpus": tr}
    if (model_train_dir / "train.jsonl").exists() and model_train_dir != corpus_dir:
        trains["corpus-all"] = read_jsonl(model_train_dir / "train.jsonl")
    indexes = {n: TrainIndex([r["text"] for r in rs], cfg) for n, rs in trains.items()}
    sources = {n: [r["source"] for r in rs] for n, rs in trains.items()}
    cand = build_split(dv, validation_records(raw), indexes, sources, aux, cfg)
    log(f"split: {len(cand)} candidates, {sum(r['heldout'] for r in cand)} held out ({time.time() - t0:.0f} s)")
    # score every dev candidate and the held-out validation rows (the others are duplicates of train rows)
    recs = [r for r in cand if r["split_from"] == "dev" or r["heldout"]]
    if limit:
        recs = recs[:: max(1, len(recs) // limit)][:limit]
    fold = np.array([int(exact_key(r["text"])[:8], 16) % 2 for r in recs])
    heads, logits, weights = model_outputs(model_dir, recs, aux, log)
    systems = model_decisions(heads, logits, weights, recs, cb, fold)
    fcfg = FloorConfig()
    systems["floor"] = floor_decisions(tr, recs, aux, fcfg)
    if "corpus-all" in trains:
        systems["floor_model_train"] = floor_decisions(trains["corpus-all"], recs, aux, fcfg)
    log(f"scored {len(recs)} posts ({time.time() - t0:.0f} s)")
    pairs_all = [("model", "floor")]
    pairs_main = pairs_all + [("model_crossfit", "floor"), ("model_uncalibrated", "floor")]
    if "floor_model_train" in systems:
        pairs_main.append(("model", "floor_model_train"))
    floors = json.loads(floors_path.read_text())["tasks"] if floors_path.exists() else {}
    sad = sad_rows(raw)
    res: dict = {
        "what": "auxiliary heads on a held-out split that predicts their test sets (evaluate/aux_split.py)",
        "primary_metric": "heads.<head>.splits.heldout.model_minus_floor: weighted F1 points, shipped default "
                          "minus TF-IDF + LR floor, paired bootstrap 95 % CI",
        "config": asdict(cfg), "model": str(model_dir.name), "train_splits": {n: len(rs) for n, rs in trains.items()},
        "systems": {"model": "shipped default, whole posts as the engine decides them",
                    "model_crossfit": "shipped temperatures; thresholds re-fitted on the other half of the dev rows",
                    "model_uncalibrated": "temperature 1, argmax / 0.5 thresholds",
                    "floor": "TF-IDF + LR trained on build/corpus train (floors.py)",
                    "floor_model_train": "the same floor trained on the model's training split (build/corpus-all)"},
        "splits": {"dev": "every dev row of the head (floors.json's rows)",
                   "dev_clean": "dev rows with no near duplicate in either train split",
                   "validation": "rows of the sources' own validation files with no near duplicate in train or "
                                 "among the dev rows",
                   "heldout": "dev_clean + validation: the split that predicts test"},
        "limit": limit, "label_agreement": label_agreement(raw, sad), "heads": {}}
    for k in aux:
        task = cb.task(k)
        y, m = targets(task, recs)
        lab = labelled_rows(y, m)
        head: dict = {"leakage": leak_summary(cand, k), "distribution": distribution(task, cand), "splits": {}}
        if k in floors:
            head["floors_json_dev_weighted_f1"] = floors[k]["tfidf_lr"].get("weighted_f1")
        if k in heads:
            head["shipped"] = {"temperature": heads[k].temperature, "thresholds": heads[k].thresholds,
                               "aggregation": heads[k].aggregation}
        for s in SPLITS:
            rows = np.intersect1d(split_rows(recs, s), lab)
            head["splits"][s] = compare(task, {n: d[k] for n, d in systems.items()}, y, m, rows,
                                        pairs_main if s in ("dev", "heldout") else pairs_all, cfg)
        if k == "sad_cause" and sad:
            # IMHI labels SAD with original_label: the held-out rows scored against that label as well
            alt = [dict(r, labels={"sad_cause": sad[exact_key(r["text"])]["original"]})
                   if r["split_from"] == "dev" and sad.get(exact_key(r["text"]), {}).get("original") else r
                   for r in recs]
            ya, ma = targets(task, alt)
            rows = np.intersect1d(split_rows(recs, "heldout"), labelled_rows(ya, ma))
            head["splits"]["heldout_original_label"] = compare(task, {n: d[k] for n, d in systems.items()}, ya, ma,
                                                               rows, pairs_main, cfg)
            by = {}
            for s in ("dev", "validation"):
                rows = np.intersect1d(split_rows(recs, s), lab)
                src = np.array([sad.get(exact_key(recs[i]["text"]), {}).get("source", "?") for i in rows])
                crowd = np.char.startswith(src.astype(str), CROWD)
                for g, sel in (("crowd-written (mTurk*)", crowd), ("other (Inquire*, popbots_live)", ~crowd & (src != "?")),
                               ("not found in SAD_v1", src == "?")):
                    if not sel.any():
                        continue
                    d = compare(task, {n: dd[k] for n, dd in systems.items()}, y, m, rows[sel], pairs_all, cfg)
                    d["mean_words"] = round(float(np.mean([len(recs[i]["text"].split()) for i in rows[sel]])), 1)
                    by[f"{s}: {g}"] = d
            head["sad_by_origin"] = by
        sp = head["splits"]
        log(f"{k}: dev n={sp['dev']['n']} {sp['dev'].get('model_minus_floor', {}).get('points', float('nan')):+.1f}"
            f" | heldout n={sp['heldout']['n']} "
            f"{sp['heldout'].get('model_minus_floor', {}).get('points', float('nan')):+.1f}")
        res["heads"][k] = head
    res["date"], res["wall_seconds"] = time.strftime("%Y-%m-%d"), round(time.time() - t0, 1)
    if out is not None:
        out.write_text(json.dumps(res, indent=1) + "\n")
    return res


# --- the `aux-split` command -------------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=None, help="score at most this many posts (smoke run: nothing "
                   "is written)")


def run(args: argparse.Namespace) -> None:
    aux_split(limit=args.limit, out=None if args.limit else REPORTS / "aux-split.json",
              log=lambda m: print(m, flush=True))

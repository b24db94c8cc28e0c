"""Auxiliary heads of every exported model vs their TF-IDF floors -> reports/aux-heads.json (issue 3 target:
each auxiliary head ≥ its TF-IDF floor + 5 points weighted F1 on its dev rows).

``python -m mhelp_pipeline aux-heads`` (~5 min): the shipped variants, both teachers and the students of the
GPU teacher, each scored on the weak-dev posts that carry an auxiliary label, whole posts exactly as the engine
decides them (reliability.engine_predictions), against reports/floors.json's TF-IDF + LR floor of each head.
The report's floors table shows the shipped model alone; this table says whether any model we have reaches the target,
which tells a missed target due to the student from one due to the encoder. Models without an export are
skipped and named.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .batching import encode, load_tokenizer, read_jsonl, targets
from .codebook import codebook
from .metrics import issue_metrics
from .paths import BUILD, CORPUS_DIR, MODELS, REPO, REPORTS, base_model_dir
from .report_cells import number

TARGET_POINTS = 5.0
MODELS_SCORED = (("shipped default", MODELS / "default"), ("shipped fast", MODELS / "fast"),
                 ("teacher, CPU (shipped lineage)", BUILD / "teacher" / "L6-cpu" / "model"),
                 ("teacher, GPU", BUILD / "teacher" / "L6" / "model"),
                 ("shipped recipe, seed 1", BUILD / "students" / "L3-seed1"),
                 ("shipped recipe, seed 2", BUILD / "students" / "L3-seed2"),
                 ("shipped recipe, 3000 steps", BUILD / "students" / "L3-steps3000"),
                 ("shipped recipe, aux weight 1.0", BUILD / "students" / "L3-aux1"),
                 ("shipped recipe, aux weight 1.0, seed 1", BUILD / "students" / "L3-aux1-seed1"),
                 ("GPU-teacher student L3", BUILD / "students" / "L3"),
                 ("GPU-teacher student L2", BUILD / "students" / "L2"))
SEED_ROWS = ("shipped default", "shipped recipe, seed 1", "shipped recipe, seed 2")  # one recipe, seeds 0, 1, 2
# The issue's "published test results to aim at" (MentalRoBERTa, weighted F1, %). Their test splits are held
# out from us and differ from these dev rows, so they are context, not a comparison.
PUBLISHED = {"dr_depression": 94.2, "dreaddit_stress": 81.8, "sad_cause": 68.4, "cams_cause": 47.6}


def aux_heads(models=MODELS_SCORED, corpus_dir: Path = CORPUS_DIR, floors_path: Path = REPORTS / "floors.json",
              out: Path | None = REPORTS / "aux-heads.json", log=print) -> dict:
    from .reliability import engine_predictions

    t0 = time.time()
    cb = codebook()
    aux = tuple(t.key for t in cb.tasks if not t.primary)
    recs = [r for r in read_jsonl(corpus_dir / "dev.jsonl") if any(k in r["labels"] for k in aux)]
    enc = encode(recs, load_tokenizer(base_model_dir() / "tokenizer.json"), cb, 128)  # labels only
    floors = json.loads(floors_path.read_text())["tasks"]
    res: dict = {"what": "auxiliary heads, weighted F1 on their weak-dev rows, whole posts (aux_heads.py)",
                 "target_points": TARGET_POINTS, "dev_posts": len(recs),
                 "floors": {k: floors[k]["tfidf_lr"]["weighted_f1"] for k in aux}, "models": {}}
    for name, d in models:
        if not (d / "model.json").exists():
            res["models"][name] = {"skipped": f"{d} has no model.json"}
            continue
        preds = engine_predictions(d, recs, aux)
        row = {}
        for k in aux:
            t = cb.task(k)
            y, mask = targets(t, enc)
            m = issue_metrics(t, preds[k][0], y, mask, preds[k][1])
            row[k] = {"n": m["n"], "weighted_f1": m["weighted_f1"],
                      "points_over_floor": 100 * (m["weighted_f1"] - res["floors"][k])}
        res["models"][name] = {"dir": str(d.relative_to(REPO)) if d.is_relative_to(REPO) else str(d), "heads": row}
        log(f"{name}: " + ", ".join(f"{k} {v['points_over_floor']:+.1f}" for k, v in row.items()))
    res["date"], res["wall_seconds"] = time.strftime("%Y-%m-%d"), round(time.time() - t0, 1)
    if out is not None:
        out.write_text(json.dumps(res, indent=1) + "\n")
    return res


def aux_section(res: dict | None) -> list[str]:
    """Body of the report's auxiliary-heads section (report.py adds it when reports/aux-heads.json exists):
    every model's auxiliary heads, points over the TF-IDF floor."""
    if not res:
        return []
    heads = list(res["floors"])
    out = [f"Auxiliary heads of every exported model (`python -m mhelp_pipeline aux-heads`, reports/aux-heads.json, "
           f"{res['date']}): weighted F1, and points over the TF-IDF floor in brackets; **bold** = the issue's "
           f"+{TARGET_POINTS:g} reached.", "",
           "| model | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads),
           "| TF-IDF + LR floor | " + " | ".join(number(res["floors"][k]) for k in heads) + " |"]
    for name, m in res["models"].items():
        if "skipped" in m:
            out.append(f"| {name} | skipped: {m['skipped']} |" + " |" * (len(heads) - 1))
            continue
        cells = []
        for k in heads:
            h = m["heads"][k]
            cell = f"{number(h['weighted_f1'])} ({h['points_over_floor']:+.1f})"
            cells.append(f"**{cell}**" if h["points_over_floor"] >= TARGET_POINTS else cell)
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    seeded = [res["models"][n]["heads"] for n in SEED_ROWS if "heads" in res["models"].get(n, {})]
    if len(seeded) > 1:
        spread = "; ".join(f"{k} {min(h[k]['points_over_floor'] for h in seeded):+.1f} to "
                           f"{max(h[k]['points_over_floor'] for h in seeded):+.1f}" for k in heads)
        notes = [f"Training noise: the shipped default's recipe distilled with {len(seeded)} seeds moves the points "
                 f"over the floor by: {spread}. A head whose range straddles +{TARGET_POINTS:g} meets the target "
                 "or not by the seed."]
    else:
        notes = []
    out.append("| published MentalRoBERTa (their test split; context only) | "
               + " | ".join(number(PUBLISHED[k] / 100) if k in PUBLISHED else "–" for k in heads) + " |")
    above = [f"{k} (floor + {TARGET_POINTS:g} = {number(res['floors'][k] + TARGET_POINTS / 100)} > "
             f"{number(PUBLISHED[k] / 100)})" for k in heads
             if k in PUBLISHED and res["floors"][k] + TARGET_POINTS / 100 > PUBLISHED[k] / 100]
    if above:
        out += ["", "Where the +5 target lies above the published state of the art on that dataset's own test "
                "split: " + "; ".join(above) + ". The splits differ, so this is a sign of how hard the target is, "
                "not a measured ceiling."]
    return out + ([""] + notes if notes else []) + [""]

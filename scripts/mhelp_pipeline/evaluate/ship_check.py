"""Should a candidate replace a shipped variant? A paired test on the same whole weak-dev posts.

``python -m mhelp_pipeline ship-check --candidate ../build/students/L3 --variant default`` scores both exported
models exactly as the engine does (every window, each model's own int8 graph, temperatures and thresholds:
frontier.accuracy) and writes reports/ship-check-<variant>.json: per-task metrics with intervals and the paired
bootstrap candidate − shipped for every metric the report uses; the file is
reports/ship-check-<variant>-<candidate folder>.json. The decision rule is stated beside the numbers
(``decide``), so a model is replaced because a rule said so, not because one point estimate moved.
``--against DIR`` runs the same paired comparison with any other exported model (a student against the teacher it
was distilled from) and writes reports/compare-<DIR's model>-<candidate folder>.json, without a decision.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..core.codebook import STABLE_HEADLINE, codebook
from ..core.io import read_jsonl
from ..core.paths import CORPUS_DIR, MODELS, REPO, REPORTS
from ..model.batching import encode, load_tokenizer
from ..runtime.inference import engine_predictions
from .frontier import FrontierConfig, accuracy, paired_tests
from .metrics import COMPARED_METRICS

SIGNIFICANT = 0.05


def decide(paired: dict) -> dict:
    """Replace only if no task's headline is significantly worse and at least one is significantly better;
    help_seeking (the product's primary signal) may not drop by more than 0.01 even without significance."""
    # the headline of each task here is the codebook's STABLE_HEADLINE (causes micro-F1: rare labels swing macro)
    worse = [k for k, m in STABLE_HEADLINE.items()
             if paired[k][m]["p_value"] < SIGNIFICANT and paired[k][m]["diff"] < 0]
    better = [k for k, m in STABLE_HEADLINE.items()
              if paired[k][m]["p_value"] < SIGNIFICANT and paired[k][m]["diff"] > 0]
    help_drop = paired["help_seeking"]["f1"]["diff"] < -0.01
    ship = not worse and bool(better) and not help_drop
    why = (f"significantly better: {', '.join(better) or 'none'}; significantly worse: {', '.join(worse) or 'none'}; "
           f"help-seeking F1 {paired['help_seeking']['f1']['diff']:+.3f}")
    return {"replace": ship, "rule": decide.__doc__.strip().replace("\n    ", " "), "why": why}


def ship_check(candidate: Path, variant: str, cfg: FrontierConfig = FrontierConfig(), corpus_dir: Path = CORPUS_DIR,
               log=print, against: Path | None = None) -> dict:
    """Candidate vs ``models/<variant>``, with the replacement decision. ``against`` compares the candidate with
    any other exported model instead (e.g. its teacher, for "student within 1 point of the teacher"): the same
    paired tests, no decision, written to reports/compare-<against folder>-<candidate folder>.json."""
    t0 = time.time()
    reference = against.resolve() if against is not None else MODELS / variant
    models = {}
    for name, d in (("candidate", candidate.resolve()), ("shipped", reference)):
        meta = json.loads((d / "model.json").read_text())
        models[name] = {"dir": d, "meta": meta}
    cb = codebook()
    recs = read_jsonl(corpus_dir / "dev.jsonl")
    dv = encode(recs, load_tokenizer(reference / models["shipped"]["meta"]["tokenizer"]), cb,
                models["shipped"]["meta"]["max_length"])
    preds = {n: engine_predictions(m["dir"], recs, cb.primary) for n, m in models.items()}
    acc = accuracy(models, "shipped", cfg, corpus_dir, preds)  # per-model metrics + intervals (whole posts)
    paired = paired_tests(COMPARED_METRICS, preds["candidate"], preds["shipped"], dv, cfg.bootstrap)
    ref_name = str(reference.relative_to(REPO)) if reference.is_relative_to(REPO) else str(reference)
    res = {"candidate": str(candidate.resolve().relative_to(REPO)),
           ("against" if against is not None else "shipped"): ref_name,
           ("against_version" if against is not None else "shipped_version"): models["shipped"]["meta"]["version"],
           # seed, steps, teacher script and hardware of each: a re-seeded shipped config measures training noise
           "training": {n: {k: m["meta"]["training"].get(k) for k in ("seed", "steps", "hardware", "date")}
                        for n, m in models.items()},
           "dev": "corpus dev split (primary heads on silver labels), whole posts as the engine scores them",
           "per_model": acc["per_model"]}
    if against is None:
        res |= {"paired_candidate_minus_shipped": paired, "decision": decide(paired)}
        out = REPORTS / f"ship-check-{variant}-{candidate.resolve().name}.json"
    else:
        res["paired_candidate_minus_against"] = paired
        out = REPORTS / f"compare-{reference.parent.name if reference.name == 'model' else reference.name}-" \
                        f"{candidate.resolve().name}.json"
    res |= {"date": time.strftime("%Y-%m-%d"), "wall_seconds": round(time.time() - t0, 1)}
    out.write_text(json.dumps(res, indent=1) + "\n")
    for k, by_metric in paired.items():
        log(f"{k}: " + "; ".join(f"{m} {d['diff']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}] p={d['p_value']:.3f}"
                                 for m, d in by_metric.items()))
    if against is None:
        log(f"decision: {res['decision']}")
    log(f"wrote {out}")
    return res


# --- the `ship-check` command ------------------------------------------------------------------------------------

def add_arguments(p) -> None:
    p.add_argument("--candidate", default=None, help="exported model folder to compare with --variant")
    p.add_argument("--variant", default="default", help="the shipped variant, models/<variant> (default)")
    p.add_argument("--against", default=None,
                   help="compare --candidate with this exported model folder instead (no decision)")


def run(args) -> None:
    if not args.candidate:
        args.parser.error("ship-check needs --candidate <exported model folder>, e.g. ../build/students/L3")
    for d in filter(None, (args.candidate, args.against)):
        if not (Path(d) / "model.json").exists():
            args.parser.error(f"{d} has no model.json: pass an exported model folder (distill exports "
                              "build/students/L<n>/, a teacher's export is build/teacher/<name>/model/)")
    ship_check(Path(args.candidate), args.variant, log=lambda m: print(m, flush=True),
               against=Path(args.against) if args.against else None)

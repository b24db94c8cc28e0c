"""CLI: python -m mhelp_pipeline build-corpus | train | export | reference | all  (PYTHONPATH=scripts).

Evidence (issue 3, reports/): floors | ablation | export-eval-set | compare-eval | report;
distill (students L1/L2 from the interim teacher + reports/frontier.json) | frontier (re-measure only) |
quantisation (int8 methods compared -> reports/quantisation.json) | gold-cv (gold-dev cross-validation
-> reports/gold-cv.json, when ../shared/data/gold/dev.jsonl exists) | teacher-spread (teacher seeds ->
reports/teacher-seeds.json) | aux-heads (every model's auxiliary heads vs their floors) |
redaction-eval (precision/recall of each placeholder on the redaction evaluation sets)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download weights from a hub


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="mhelp_pipeline")
    ap.add_argument("command", choices=["build-corpus", "train", "export", "reference", "all", "floors", "ablation",
                                        "export-eval-set", "compare-eval", "report", "distill",
                                        "frontier", "quantisation", "ship-check", "gold-cv", "teacher-spread",
                                        "aux-heads", "redaction-eval"])
    ap.add_argument("--against", default=None,
                    help="ship-check: compare --candidate with this exported model folder instead (no decision)")
    ap.add_argument("--candidate", default=None, help="ship-check: exported model folder to compare with --variant")
    ap.add_argument("--layers", type=int, default=None, help="encoder layers to keep (default 3)")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--seed", type=int, default=None, help="train / distill: random seed (default 0)")
    ap.add_argument("--patience", type=int, default=None, help="train: evaluations without improvement (2)")
    ap.add_argument("--aux-task-weight", type=float, default=None, help="train / distill: loss weight of auxiliary heads (0.5)")
    ap.add_argument("--device", default=None, help="train/distill: cpu (default) or cuda (the lent GPU machine)")
    ap.add_argument("--teacher", default=None, help="distill: teacher checkpoint (default build/teacher/L6/best)")
    ap.add_argument("--no-export", action="store_true",
                    help="distill: train the students only (no ONNX export, no frontier), as on the GPU machine")
    ap.add_argument("--no-frontier", action="store_true",
                    help="distill: train and export, but do not re-measure reports/frontier.json (re-seeded runs)")
    ap.add_argument("--folds", type=int, default=None, help="gold-cv: folds over the gold dev set (5)")
    ap.add_argument("--retrain", action="store_true",
                    help="gold-cv: also distil a student per fold with the other folds' gold posts in training")
    ap.add_argument("--checkpoints", default=None,
                    help="teacher-spread: comma-separated teacher checkpoints (plus the GPU runs on record)")
    ap.add_argument("--no-caps", action="store_true",
                    help="build-corpus: keep every post (no per-source caps), e.g. the distillation corpus")
    ap.add_argument("--corpus-dir", default=None,
                    help="build-corpus: output folder; distill: the corpus to distil on (default build/corpus)")
    ap.add_argument("--variant", default="default")
    ap.add_argument("--checkpoint", default=None,
                    help="train: where the best checkpoint goes (default build/checkpoints/best; a teacher elsewhere); "
                         "export: the checkpoint to export")
    ap.add_argument("--steps", type=int, default=None, help="ablation (150) / distill (600): optimizer steps per run")
    ap.add_argument("--seeds", default=None, help="ablation: comma-separated seeds (default 0)")
    ap.add_argument("--primary-multi-task", action="store_true",
                    help="ablation: also train multi-task on the 3 primary heads only")
    ap.add_argument("--primary-seeds", default=None,
                    help="ablation: seeds of the primary-heads MT run when fewer than --seeds (default: the same)")
    ap.add_argument("--student-layers", default=None, help="distill: comma-separated student depths (default 1,2)")
    ap.add_argument("--run-name", default=None,
                    help="distill: a recipe variant's folder suffix, build/students/L<n>-<name> (default: none)")
    ap.add_argument("--alpha", type=float, default=None, help="distill: weight of the teacher (soft) loss (0.5)")
    ap.add_argument("--split", default="dev", help="export-eval-set: corpus split")
    ap.add_argument("--limit", type=int, default=300, help="export-eval-set: number of posts")
    ap.add_argument("--out", default=None, help="export-eval-set: output JSONL (default build/eval/<split>.jsonl)")
    ap.add_argument("--input", default=None, help="compare-eval: the labelled JSONL given to `mhelp eval`")
    ap.add_argument("--ts-metrics", default=None, help="compare-eval: `mhelp eval --output` file")
    ap.add_argument("--ts-predictions", default=None, help="compare-eval: `mhelp eval --predictions` file")
    args = ap.parse_args(argv)

    steps = ["build-corpus", "train", "export", "reference"] if args.command == "all" else [args.command]
    for step in steps:
        if step == "build-corpus":
            from dataclasses import replace as _replace
            from .corpus import CorpusConfig, build
            from .paths import CORPUS_DIR

            cfg = _replace(CorpusConfig(), caps={}) if args.no_caps else CorpusConfig()
            out = Path(args.corpus_dir) if args.corpus_dir else CORPUS_DIR
            stats = build(cfg, out_dir=out, data_card=out == CORPUS_DIR)
            print(json.dumps({k: v for k, v in stats.items() if k != "config"}, indent=2))
        elif step == "train":
            from dataclasses import replace

            from .train import TrainConfig, train

            cfg = TrainConfig()
            over = {k: v for k, v in {"layers": args.layers, "epochs": args.epochs, "max_minutes": args.max_minutes,
                                      "seed": args.seed, "patience": args.patience,
                                      "aux_task_weight": args.aux_task_weight,
                                      "device": args.device}.items() if v is not None}
            from .paths import CHECKPOINT_DIR

            out = Path(args.checkpoint) if args.checkpoint else CHECKPOINT_DIR / "best"
            train(replace(cfg, **over), out=out, log=lambda m: print(m, flush=True))
        elif step == "export":
            from .export import export

            export(variant=args.variant, **({"checkpoint": Path(args.checkpoint)} if args.checkpoint else {}))
        elif step == "reference":
            from .reference import write_parity_fixture

            write_parity_fixture(variant=args.variant)
        elif step == "floors":
            from .floors import floors

            floors()
        elif step == "ablation":
            from dataclasses import replace

            from .ablation import AblationConfig, ablation

            over = {k: v for k, v in {"steps": args.steps, "epochs": args.epochs, "layers": args.layers,
                                      "device": args.device}.items() if v is not None}
            if args.seeds:
                over["seeds"] = tuple(int(s) for s in args.seeds.split(","))
            if args.primary_multi_task:
                over["primary_multi_task"] = True
            if args.primary_seeds:
                over["primary_seeds"] = tuple(int(s) for s in args.primary_seeds.split(","))
            cfg = replace(AblationConfig(), **over)
            ablation(cfg, log=lambda m: print(m, flush=True))
        elif step == "export-eval-set":
            from .eval_set import export_eval_set

            export_eval_set(args.split, args.limit, args.out)
        elif step == "compare-eval":
            from .eval_set import compare_eval

            compare_eval(args.input, args.ts_metrics, args.ts_predictions)
        elif step in ("distill", "frontier"):
            from .distill import config_with, distill
            from .frontier import frontier

            layers = tuple(int(x) for x in args.student_layers.split(",")) if args.student_layers else None
            cfg = config_with(layers=layers, steps=args.steps, alpha=args.alpha, device=args.device,
                              teacher=args.teacher, seed=args.seed, aux_task_weight=args.aux_task_weight)
            log = lambda m: print(m, flush=True)  # noqa: E731
            # `frontier` only re-measures students that distill already trained and exported
            corpus_kw = {"corpus_dir": Path(args.corpus_dir)} if args.corpus_dir else {}
            dirs = (distill(cfg, export_students=not args.no_export, log=log, run_name=args.run_name, **corpus_kw)
                    if step == "distill" else None)
            if not (args.no_export or args.no_frontier):
                frontier(cfg, dirs, log=log)
        elif step == "quantisation":
            from .quant_compare import compare

            compare(log=lambda m: print(m, flush=True))
        elif step == "ship-check":
            from .ship_check import ship_check

            if not args.candidate:
                ap.error("ship-check needs --candidate <exported model folder>, e.g. ../build/students/L3")
            for d in filter(None, (args.candidate, args.against)):
                if not (Path(d) / "model.json").exists():
                    ap.error(f"{d} has no model.json: pass an exported model folder (distill exports "
                             "build/students/L<n>/, a teacher's export is build/teacher/<name>/model/)")
            ship_check(Path(args.candidate), args.variant, log=lambda m: print(m, flush=True),
                       against=Path(args.against) if args.against else None)
        elif step == "gold-cv":
            from dataclasses import replace

            from .gold_cv import GoldCVConfig, gold_cv

            retrain = None
            if args.retrain:
                from .distill import config_with
                from .gold_cv import shipped_teacher

                # default: the shipped default's recipe (3 layers, 1,500 steps, its own teacher)
                layers = tuple(int(x) for x in args.student_layers.split(",")) if args.student_layers else (3,)
                retrain = config_with(layers=layers, steps=args.steps or 1500, alpha=args.alpha, device=args.device,
                                      teacher=args.teacher or str(shipped_teacher() / "best"), seed=args.seed)
            from .gold import GoldFormatError

            try:
                gold_cv(replace(GoldCVConfig(), **({"folds": args.folds} if args.folds else {})), retrain=retrain,
                        log=lambda m: print(m, flush=True))
            except (FileNotFoundError, GoldFormatError, ValueError) as e:  # what to fix, not a traceback
                print(f"gold-cv: {e}", file=sys.stderr)
                return 2
        elif step == "redaction-eval":
            from .redaction_eval import run as run_redaction_eval
            res = run_redaction_eval()
            for name, r in res["sets"].items():
                print(name, json.dumps({k: v for k, v in r.items() if k != "outputs"}))
        elif step == "aux-heads":
            from .aux_heads import aux_heads

            aux_heads(log=lambda m: print(m, flush=True))
        elif step == "teacher-spread":
            from .teacher_spread import teacher_spread

            res = teacher_spread([Path(p) for p in (args.checkpoints or "").split(",") if p])
            for g in res["groups"]:
                print(f"{g['config']}: {g['n']} runs, score {g['min_score']:.4f}-{g['max_score']:.4f}")
        elif step == "report":
            from .report import write_report

            write_report()
    return 0


if __name__ == "__main__":
    sys.exit(main())

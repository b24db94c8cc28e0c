"""The command line: ``python -m mhelp_pipeline <command> [options]`` (run from scripts/; scripts/README.md).

Each command belongs to the module that does its work: that module declares the command's options
(``add_arguments(parser)``) and runs it (``run(args)``, returning an exit status or None). Only the chosen
command's module is imported, so ``--help`` and light commands do not load torch. ``all`` runs build-corpus,
train, export and reference in turn with one set of options.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download weights from a hub


@dataclass(frozen=True)
class Command:
    module: str  # under mhelp_pipeline
    help: str
    add: str = "add_arguments"  # the module's functions that declare and run this command
    run: str = "run"


COMMANDS = {
    "build-corpus": Command("data.corpus", "merge, deduplicate and split the sources -> build/corpus + "
                            "reports/data-card.md"),
    "train": Command("train.trainer", "train a multi-task model (the teacher: --layers 6): a checkpoint"),
    "distill": Command("train.distill", "distil students from the teacher, export them, re-measure the frontier"),
    "frontier": Command("train.distill", "re-measure reports/frontier.json from the students distill trained",
                        run="run_frontier"),
    "gpu-transfer": Command("train.gpu_transfer", "pack for / unpack from the lent GPU machine (scripts/gpu_run.sh)"),
    "export": Command("export.export", "a checkpoint to models/<variant>: int8 ONNX, calibration, model.json"),
    "calibrate-on-gold": Command("export.calibrate_gold", "refit a shipped model's primary-head calibration on gold dev "
                                 "(model.json only; the cross-fitted gold CV is its estimate)"),
    "evidence-scorer": Command("train.evidence_scorer", "the request-sentence scorer of explain, learned from silver "
                               "help_evidence -> models/evidence-scorer.json + its shared test vectors"),
    "lexical-heads": Command("train.lexical_heads", "TF-IDF + LR per primary head -> models/<variant>/lexical.json "
                             "(the engine mixes it in by each head's lexical_weight) + its shared test vectors"),
    "reference": Command("runtime.reference", "test/fixtures/parity.json: the Python reference of the engine"),
    "gold-cv": Command("evaluate.gold_cv", "the headline: k-fold cross-validation over gold dev -> "
                       "reports/gold-cv.json"),
    "student-sizes": Command("evaluate.student_sizes", "L1, L2 (fast), L3 (default), teacher: cross-fitted gold "
                             "metrics vs ms per window vs int8 MB -> reports/student-sizes.json"),
    "profiles": Command("evaluate.profiles", "operating points (high_recall, balanced, high_precision) on gold dev -> "
                        "reports/profiles.json + model.json profiles"),
    "evaluate-shipped": Command("evaluate.shipped", "the shipped model's dev-split diagnostics -> reports/"
                                "shipped-dev.json, calibration.json, slices.json"),
    "floors": Command("evaluate.floors", "majority and TF-IDF + LR floors per task -> reports/floors.json"),
    "ablation": Command("evaluate.ablation", "multi-task vs single-task runs -> reports/ablation-<budget>.json"),
    "ship-check": Command("evaluate.ship_check", "a candidate vs a shipped variant (or --against any model)"),
    "aux-heads": Command("evaluate.aux_heads", "every exported model's auxiliary heads vs their TF-IDF floors"),
    "aux-split": Command("evaluate.aux_split", "auxiliary heads vs their floors on a held-out split with no near "
                         "duplicates in train -> reports/aux-split.json"),
    "teacher-spread": Command("evaluate.teacher_spread", "teacher runs grouped by configuration -> "
                              "reports/teacher-seeds.json"),
    "quantisation": Command("evaluate.quant_compare", "int8 methods compared -> reports/quantisation.json"),
    "export-eval-set": Command("evaluate.eval_set", "a labelled sample for `mhelp eval` (build/eval)"),
    "compare-eval": Command("evaluate.eval_set", "TypeScript vs Python metrics and decisions -> "
                            "reports/ts-python-agreement.json", add="add_compare_arguments", run="run_compare"),
    "redaction-eval": Command("evaluate.redaction_eval", "per-placeholder precision/recall -> "
                              "reports/redaction-eval.json"),
    "report": Command("report.model_report", "render reports/model-report.md from the JSONs in reports/"),
}
ALL = ("build-corpus", "train", "export", "reference")  # `all`: the shipped model from scratch


def _module(name: str):
    return importlib.import_module(f"{__package__}.{COMMANDS[name].module}")


def _add(parser: argparse.ArgumentParser, name: str) -> None:
    getattr(_module(name), COMMANDS[name].add)(parser)


def _run_all(args: argparse.Namespace) -> int:
    for name in ALL:
        status = getattr(_module(name), COMMANDS[name].run)(args)
        if status:
            return status
    return 0


def parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``chosen``'s options are declared (the others' modules are not imported)."""
    ap = argparse.ArgumentParser(prog="python -m mhelp_pipeline", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True, metavar="command")
    for name, c in COMMANDS.items():
        p = sub.add_parser(name, help=c.help, description=c.help)
        p.set_defaults(parser=p, run=lambda args, name=name: getattr(_module(name), COMMANDS[name].run)(args))
        if name == chosen:
            _add(p, name)
    p = sub.add_parser("all", help="build-corpus, train, export and reference in turn",
                       description="build-corpus, train, export and reference in turn, with one set of options",
                       conflict_handler="resolve")  # train's --checkpoint is the one export reads
    p.set_defaults(parser=p, run=_run_all)
    if chosen == "all":
        for name in ALL:
            _add(p, name)
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = parser(chosen).parse_args(argv)
    return args.run(args) or 0

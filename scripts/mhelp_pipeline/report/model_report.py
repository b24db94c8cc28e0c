"""reports/model-report.md, rendered by one command (``python -m mhelp_pipeline report``) from JSON that
evaluation wrote; nothing here runs a model or computes a metric.

The report leads with its headline, the **gold dev set** (posts labelled by three annotators each, which the
model never trained on), read from reports/gold-cv.json (``gold-cv [--retrain]``, evaluate/gold_cv.py; rendered
by report/gold.py). Then the shipped model (models/<variant>/model.json: architecture, training, its own gold
numbers, int8-vs-fp32 decision agreement; report/shipped.py), then **diagnostics on the dev split** (primary
heads on silver labels from one annotator per post, auxiliary heads on their datasets' labels; the shipped
temperatures and thresholds were fitted there): floors vs the shipped model, calibration, slices and, when
reports/ts-python-agreement.json belongs to the current model, the TypeScript-vs-Python check
(report/diagnostics.py, report/slices.py). Then Worker CPU time from bench/results/worker-*.json of the current
model version only (report/worker.py), and finally what is not measured yet.

The diagnostics and the two figures need ``python -m mhelp_pipeline evaluate-shipped`` (evaluate/shipped.py) to
have written reports/shipped-dev.json, calibration.json and slices.json (and floors.json when it was missing)
for the shipped model as it is now: ``write_report`` stops with that command when shipped-dev.json is absent or
about another ONNX graph. Sections read from an optional JSON appear only when that JSON exists (no
placeholders): auxiliary heads (reports/aux-heads.json, ``aux-heads``; reports/aux-split.json, ``aux-split``), multi-task vs single-task
(reports/ablation-*.json, ``ablation``), teacher and students (reports/frontier.json from
``distill``/``frontier``, gpu-training.json, teacher-seeds.json, ship-check-*.json, compare-*.json) and the int8
method (reports/quantisation.json, ``quantisation``). Sections are numbered in the order they appear.
``report_sections`` builds them from a ``ReportInputs`` (scripts/tests/report/test_model_report.py). No post
text is ever written here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..core.paths import BENCH_RESULTS, MODELS, REPORTS
from .ablation import ablation_section, load_ablations
from .aux_heads import aux_section, aux_split_section
from .diagnostics import TS_CMD, calibration_section, floors_section, ts_agreement_current, ts_agreement_section
from .figures import confusion_matrix, reliability_diagram
from .frontier import frontier_section
from .gold import gold_section
from .quantisation import quantisation_section
from .shipped import shipped_section, trained_how
from .slices import slices_section
from .training import compare_section, ship_check_section, teacher_seeds_section, training_section
from .worker import worker_benches, worker_section

COMMAND = "cd scripts && ../.venv-train/bin/python -m mhelp_pipeline report"
EVALUATE_COMMAND = "python -m mhelp_pipeline evaluate-shipped"


@dataclass
class ReportInputs:
    """Everything the report prints. The first group is required (``evaluate-shipped`` writes the JSONs); the
    rest is read from optional JSONs (``optional_inputs``): None or empty means the file is absent."""
    meta: dict  # models/<variant>/model.json
    floors: dict  # reports/floors.json
    shipped: dict  # reports/shipped-dev.json "heads": the shipped model's whole-post dev metrics per head
    calibration: dict  # reports/calibration.json
    slices: dict  # reports/slices.json
    variant: str = "default"
    date: str = ""
    gold_cv: dict | None = None  # reports/gold-cv.json
    ts_agreement: dict | None = None  # reports/ts-python-agreement.json
    benches: list[dict] = field(default_factory=list)  # worker_benches(): this model version only
    ablations: list[dict] = field(default_factory=list)  # reports/ablation-*.json
    aux_heads: dict | None = None  # reports/aux-heads.json
    aux_split: dict | None = None  # reports/aux-split.json
    frontier: dict | None = None  # reports/frontier.json
    gpu_training: dict | None = None  # reports/gpu-training.json
    teacher_seeds: dict | None = None  # reports/teacher-seeds.json
    ship_checks: list[dict] = field(default_factory=list)  # reports/ship-check-*.json
    compares: list[dict] = field(default_factory=list)  # reports/compare-*.json
    quantisation: dict | None = None  # reports/quantisation.json


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def optional_inputs(reports: Path, bench_dir: Path, version: str) -> dict:
    """The optional JSONs as ReportInputs keyword arguments."""
    return {"gold_cv": _load(reports / "gold-cv.json"),
            "ts_agreement": _load(reports / "ts-python-agreement.json"),
            "benches": worker_benches(bench_dir, version),
            "ablations": load_ablations(reports),
            "aux_heads": _load(reports / "aux-heads.json"),
            "aux_split": _load(reports / "aux-split.json"),
            "frontier": _load(reports / "frontier.json"),
            "gpu_training": _load(reports / "gpu-training.json"),
            "teacher_seeds": _load(reports / "teacher-seeds.json"),
            "ship_checks": [json.loads(p.read_text()) for p in sorted(reports.glob("ship-check-*.json"))],
            "compares": [json.loads(p.read_text()) for p in sorted(reports.glob("compare-*.json"))],
            "quantisation": _load(reports / "quantisation.json")}


# ---------------------------------------------------------------- diagnostics on the dev split


def _gold_calibrated(meta: dict) -> bool:
    """Did calibrate-on-gold fit the primary heads' calibration on gold dev (model.json metrics.calibration)?"""
    return ((meta.get("metrics") or {}).get("calibration") or {}).get("fitted_on") == "gold"


def _diagnostics(inp: ReportInputs, number: int, ref: dict[str, int]) -> list[str]:
    dev = (inp.meta.get("training") or {}).get("examples", {}).get("dev")
    out = [f"## {number}. Diagnostics on the dev split", "",
           f"Everything in this section is measured on the corpus' dev split{f' ({dev:,} examples)' if dev else ''}, "
           "grouped by author/post: primary heads (help_seeking, condition, causes) against silver labels, codebook "
           "labels from one annotator per post; auxiliary heads against their datasets' labels. The model never "
           "trained on these posts, but training picked its best step on them and "
           + ("the auxiliary heads' temperatures and thresholds were fitted on them (the primary heads' on gold dev, "
              "so for those this split is out of sample), so the numbers here are in-sample for some of those choices"
              if _gold_calibrated(inp.meta) else
              "the shipped temperatures, thresholds and aggregation were fitted on them, so the shipped model's "
              "numbers here are in-sample for those choices")
           + f": diagnostics, not the headline (section {ref['gold']}).", ""]
    parts = [floors_section(inp.floors, inp.shipped), calibration_section(inp.calibration),
             slices_section(inp.slices)]
    if ts_agreement_current(inp.ts_agreement, inp.meta["version"]):
        parts.append(ts_agreement_section(inp.ts_agreement))
    for j, lines in enumerate(parts, 1):
        out += _with_number(lines, f"{number}.{j}", level=3)
    return out


# ---------------------------------------------------------------- optional sections, not measured


def _teacher_students(inp: ReportInputs, number: int) -> list[str]:
    fr = inp.frontier
    out = (frontier_section(fr, number) if fr and "teacher" in fr
           else [f"## {number}. Teacher, students and candidates", ""])
    if inp.gpu_training:
        out += training_section(inp.gpu_training)
    if inp.teacher_seeds:
        out += teacher_seeds_section(inp.teacher_seeds)
    return out + ship_check_section(inp.ship_checks) + compare_section(inp.compares)


def _not_measured(inp: ReportInputs, number: int, ref: dict[str, int]) -> list[str]:
    meta, tr = inp.meta, inp.meta.get("training") or {}
    model = f"{meta['name']} {meta['version']}"
    out = [f"## {number}. What is not measured yet", ""]
    if inp.gold_cv is None:
        out.append(f"- **The headline**: reports/gold-cv.json is absent (section {ref['gold']} names the command).")
    hardware = tr.get("hardware") or "CPU"
    where = (f"{model} was trained on {hardware}" if re.search(r"gpu|cuda|nvidia", hardware, re.I)
             else f"{model} was built on CPU only ({hardware}), no GPU having been lent for it")
    out.append(f"- **all-mpnet-base-v2 teacher**: not trained. {where}; it was {trained_how(tr)}.")
    if not inp.ablations:
        out.append("- **Multi-task vs single-task** is not measured on gold: reports/ablation-*.json is absent "
                   "(`python -m mhelp_pipeline ablation --epochs 1 --seeds 0,1,2 --primary-multi-task` measures it).")
    aux = ("" if inp.aux_heads else f"not re-scored for this model beyond the dev-split rows of section "
           f"{ref['diagnostics']}.1 (`aux-heads` writes reports/aux-heads.json), and ")
    if inp.aux_split:
        out.append(f"- **Auxiliary heads**: {aux}measured on a held-out split with no near duplicate in train "
                   f"(section {ref['aux_split']}), not on the datasets' published test splits, so no comparison with "
                   "published results is possible here.")
    else:
        out.append(f"- **Auxiliary heads**: {aux}not measured on a split that predicts their public test sets: "
                   "their dev rows are held out by group from the same datasets, not the datasets' published test "
                   "splits, so no comparison with published results is possible here (`aux-split` writes "
                   "reports/aux-split.json).")
    if not (inp.gold_cv or {}).get("retrained"):
        out.append("- **Gold in training**: `gold-cv --retrain` (per fold, a student trained with the other folds' "
                   "gold posts as well, scored on its held-out fold) has not been run; every gold number comes from "
                   "models that never saw a gold post.")
    out.append("- **Demographic fairness slices** are impossible: the data carry no demographic attributes (age, "
               "gender, ethnicity, region, language variety); slices are by source and post length only.")
    if not ts_agreement_current(inp.ts_agreement, meta["version"]):
        why = ("is absent" if not inp.ts_agreement
               else f"is for model version {inp.ts_agreement['model']['version']}")
        out.append(f"- **TypeScript engine vs Python on {model}**: reports/ts-python-agreement.json {why}; "
                   f"{TS_CMD} measure it.")
    return out + [""]


# ---------------------------------------------------------------- assembly

_HEADER = re.compile(r"^#{2,}\s+(?:\d+(?:\.\d+)*\.?\s+)?(.*)$")


def _with_number(lines: list[str], label: str, level: int = 2) -> list[str]:
    """``lines`` with its first (section) header numbered ``label`` at ``level``, any number it carried
    replaced, and the headers below it moved down by ``level - 2``."""
    title = _HEADER.match(lines[0])
    if not title:
        raise ValueError(f"a section starts with its header, not {lines[0]!r}")
    label = label if "." in label else label + "."  # "## 3. Title", "### 3.1 Title"
    return ["#" * level + f" {label} {title.group(1)}"] + [
        "#" * (level - 2) + line if line.startswith("##") else line for line in lines[1:]]


Builder = Callable[[int, dict[str, int]], list[str]]


def _plan(inp: ReportInputs) -> list[tuple[str, Builder]]:
    """The sections in report order, each (key, build(number, numbers of all sections by key)); a section
    read from an optional JSON is planned only when that JSON exists."""
    plan: list[tuple[str, Builder]] = [
        ("gold", lambda n, ref: gold_section(inp.gold_cv, n)),
        ("shipped", lambda n, ref: shipped_section(inp.meta, inp.variant, ref, inp.gold_cv is not None)),
        ("diagnostics", lambda n, ref: _diagnostics(inp, n, ref)),
        ("worker", lambda n, ref: worker_section(inp.meta, inp.benches, n))]
    if inp.aux_heads:
        plan.append(("aux_heads", lambda n, ref: ["## Auxiliary heads of every exported model", ""]
                     + aux_section(inp.aux_heads)))
    if inp.aux_split:
        plan.append(("aux_split", lambda n, ref: ["## Auxiliary heads on a held-out split", ""]
                     + aux_split_section(inp.aux_split)))
    if inp.ablations:
        plan.append(("ablation", lambda n, ref: ablation_section(inp.ablations)))
    if ((inp.frontier and "teacher" in inp.frontier) or inp.gpu_training or inp.teacher_seeds or inp.ship_checks
            or inp.compares):
        plan.append(("teacher_students", lambda n, ref: _teacher_students(inp, n)))
    if inp.quantisation:
        plan.append(("quantisation", lambda n, ref: quantisation_section(inp.quantisation, n)))
    plan.append(("not_measured", lambda n, ref: _not_measured(inp, n, ref)))
    return plan


def report_sections(inp: ReportInputs) -> list[tuple[str, list[str]]]:
    """(key, lines) per section, numbered 1, 2, … in the order they appear."""
    plan = _plan(inp)
    ref = {key: i for i, (key, _) in enumerate(plan, 1)}
    return [(key, _with_number(build(ref[key], ref), str(ref[key]))) for key, build in plan]


def render(inp: ReportInputs) -> str:
    sections = report_sections(inp)
    ref = {key: i for i, (key, _) in enumerate(sections, 1)}
    meta = inp.meta
    lines = ["# Model report", "",
             f"Generated by `{COMMAND}`{f' on {inp.date}' if inp.date else ''} (scripts/mhelp_pipeline/report/model_report.py). "
             f"Model: `models/{inp.variant}`, {meta['name']} {meta['version']}, variant "
             f"{meta.get('variant', inp.variant)}.", "",
             f"**The headline is the gold dev set (section {ref['gold']})**: posts labelled by three annotators "
             "each, which the model never trained on (gold posts and their near duplicates are kept out of its "
             "corpus)"
             + (". **The primary heads' calibration (temperatures, window aggregation, thresholds) is fitted on "
                "gold** (`calibrate-on-gold`), so the headline is the *cross-fitted* gold CV of that same fit (each "
                "gold post scored by settings fitted on the other folds); the shipped model's own numbers on gold "
                "are in-sample and are labelled so. "
                if _gold_calibrated(meta) else ". ")
             + f"Numbers on the dev split (section {ref['diagnostics']}) are diagnostics: there the primary "
             "heads are scored against silver labels, from one annotator per post, and the auxiliary heads against "
             "their datasets' labels"
             + ("; the auxiliary heads' temperatures and thresholds were fitted on that split."
                if _gold_calibrated(meta) else "; the shipped temperatures and thresholds were fitted on that split.")
             + ("" if inp.gold_cv else " reports/gold-cv.json was absent when this report was generated: "
                f"section {ref['gold']} names the command that writes it."), ""]
    for _, body in sections:
        lines += body
    return "\n".join(lines)


def _figures(plots: dict, figdir: Path) -> None:
    """The two PNGs, from reports/shipped-dev.json's "figures" (reliability bins and the confusion matrix)."""
    figdir.mkdir(parents=True, exist_ok=True)
    reliability_diagram(plots["reliability_help_seeking"], figdir / "help-seeking-reliability.png",
                        "help_seeking p(yes), shipped model, dev split, silver labels (first window)")
    confusion_matrix(plots["condition_confusion"], plots["condition_labels"], figdir / "condition-confusion.png",
                     "condition, shipped model, dev split, silver labels (first window)")


class StaleEvaluation(RuntimeError):
    """reports/shipped-dev.json is absent or about another graph than models/<variant> now ships."""


def write_report(out: Path = REPORTS / "model-report.md", variant: str = "default", reports: Path = REPORTS,
                 bench_dir: Path = BENCH_RESULTS) -> Path:
    """Render the report and its two figures from the JSONs in ``reports`` (module docstring)."""
    t0 = time.time()
    meta = json.loads((MODELS / variant / "model.json").read_text())
    shipped = _load(reports / "shipped-dev.json")
    if shipped is None or (shipped["variant"], shipped["model"]["onnx_sha256"]) != (variant, meta["onnx_sha256"]):
        why = "is absent" if shipped is None else f"is about another graph than models/{variant}"
        raise StaleEvaluation(f"{reports / 'shipped-dev.json'} {why}: run `{EVALUATE_COMMAND}` first")
    _figures(shipped["figures"], reports / "figures")
    inp = ReportInputs(meta=meta, floors=_load(reports / "floors.json"), shipped=shipped["heads"],
                       calibration=_load(reports / "calibration.json"), slices=_load(reports / "slices.json"),
                       variant=variant, date=time.strftime("%Y-%m-%d"),
                       **optional_inputs(reports, bench_dir, meta["version"]))
    out.write_text(render(inp))
    print(f"wrote {out} in {time.time() - t0:.0f} s")
    return out


# --- the `report` command ----------------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    """No options: models/default and the JSONs in reports/."""


def run(args: argparse.Namespace) -> int:
    try:
        write_report()
    except StaleEvaluation as e:
        print(f"report: {e}", file=sys.stderr)
        return 2
    return 0

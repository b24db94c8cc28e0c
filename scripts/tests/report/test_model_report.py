"""reports/model-report.md's structure (model_report.report_sections / render) on small hand-written inputs: the gold
section leads, sections are numbered consecutively, sections whose JSON is absent are left out, and the Worker
section reads only bench files of the current model version. Nothing here runs a model."""

import json
import re

import pytest

from mhelp_pipeline.core.codebook import codebook
from mhelp_pipeline.report.diagnostics import ts_agreement_current
from mhelp_pipeline.report.model_report import (ReportInputs, StaleEvaluation, optional_inputs, render, report_sections,
                                                write_report)
from mhelp_pipeline.report.worker import worker_benches

VERSION = "0.5.0"


def _ci(v: float) -> dict:
    return {"value": v, "ci_low": round(v - 0.05, 3), "ci_high": round(v + 0.05, 3)}


def _meta() -> dict:
    metrics = {"gold_dev": {"help_seeking": {"n": 40, "f1_yes": 0.81}, "condition": {"accuracy": 0.69, "macro_f1": 0.59},
                            "causes": {"macro_f1": 0.47, "micro_f1": 0.5}}, "gold_dev_note": None,
               "int8_vs_fp32_dev_decision_agreement": {"help_seeking": 0.995, "condition": 0.991, "causes": 0.985}}
    return {"name": "mhelp-student", "version": VERSION, "variant": "default",
            "architecture": {"base": "sentence-transformers/all-MiniLM-L6-v2", "layers": 3, "params": 17261234,
                             "quantisation": "int8 dynamic"},
            "training": {"steps": 100, "best_step": 80, "wall_seconds": 12.5, "hardware": "CPU, 2 of 2 threads",
                         "seed": 0, "script": "scripts/mhelp_pipeline (python -m mhelp_pipeline all)",
                         "labels": "primary heads: silver codebook labels", "examples": {"train": 90, "dev": 10}},
            "metrics": metrics}


def _floors_and_shipped() -> tuple[dict, dict]:
    fl, shipped = {"tasks": {}}, {}
    for t in codebook().tasks:
        if t.primary:
            m = {"precision": 0.5, "recall": 0.5, "f1": 0.5, "auroc": 0.7, "accuracy": 0.6, "macro_f1": 0.5,
                 "micro_f1": 0.55, "f1_per_label": {lab: 0.4 for lab in t.labels}}
        else:
            m = {"weighted_f1": 0.6}
        fl["tasks"][t.key] = {"tfidf_lr": {"n": 10, **m, "headline": {"metric": "f1", **_ci(0.5)}},
                              "majority": {"accuracy": 0.4, "f1": 0.0, "auroc": 0.5, "weighted_f1": 0.3}}
        shipped[t.key] = {**m, "headline_ci": _ci(0.6)}
    return fl, shipped


def _task_row(n: int) -> dict:
    if not n:
        return {"help_seeking": {"n": 0}, "condition": {"n": 0}, "causes": {"n": 0}}
    return {"help_seeking": {"n": n, "positives": 10, "f1": 0.7, "auroc": 0.8, "headline_ci": _ci(0.7)},
            "condition": {"n": n, "accuracy": 0.6, "macro_f1": 0.5, "headline_ci": _ci(0.6)},
            "causes": {"n": n, "micro_f1": 0.5, "known_negatives": 5, "headline_ci": {"note": "n too small"}}}


def _dev_slices() -> dict:
    return {"min_n_for_ci": 30, "bootstrap": {"resamples": 1000},
            "slice_headline": {"help_seeking": "f1", "condition": "accuracy", "causes": "micro_f1"},
            "by_source": {"silver/epitome": {"posts": 40, "median_tokens": 60.0, **_task_row(40)},
                          "cams": {"posts": 5, "median_tokens": 30.0, **_task_row(0)}},
            "by_length": {"<=64": {"posts": 25, "engine_windows": [1, 1], **_task_row(25)},
                          "127-254": {"posts": 20, "engine_windows": [2, 5], **_task_row(20)}}}


def _scores(f1: float) -> dict:
    """gold_cv._scores' shape: frontier.task_scores per primary task (+ labels_per_post for causes)."""
    return {"help_seeking": {"n": 39, "precision": 0.8, "recall": 0.82, "f1": f1, "auroc": 0.9, "accuracy": 0.84,
                             "macro_f1": 0.83, "f1_per_label": {"no": 0.86, "yes": f1},
                             "ci": {"f1": _ci(f1), "auroc": _ci(0.9)}},
            "condition": {"n": 39, "accuracy": 0.71, "macro_f1": 0.6, "f1_per_label": {},
                          "ci": {"accuracy": _ci(0.71), "macro_f1": _ci(0.6)}},
            "causes": {"n": 39, "micro_f1": 0.52, "macro_f1": 0.47, "f1_per_label": {}, "ci": {"macro_f1": _ci(0.47)},
                       "labels_per_post": {"predicted": 1.1, "gold": 1.0}}}


def _paired() -> dict:
    return {k: {"metric": m, "diff": -0.01, "ci_low": -0.04, "ci_high": 0.02, "p_value": 0.4}
            for k, m in (("help_seeking", "f1"), ("condition", "accuracy"), ("causes", "macro_f1"))}


def _gold_cv() -> dict:
    """The key structure gold_cv.gold_cv writes (no retrain)."""
    model = lambda f1, layers: {"dir": "models/default", "version": VERSION, "layers": layers,  # noqa: E731
                                "as_shipped": _scores(f1), "cross_fitted": _scores(f1 + 0.02),
                                "help_seeking_ece": {"as_shipped": 0.081, "cross_fitted": 0.042},
                                "fold_settings": []}
    return {"what": "gold-dev k-fold cross-validation", "gold_posts_read": 40, "left_out_in_corpus": 1,
            "gold_posts": 39, "config": {"folds": 5, "seed": 0, "models": {}, "teacher": "teacher",
                                         "sliced": "default", "bootstrap": {}},
            "fold_sizes": [8, 8, 8, 8, 7],
            "agreement": {"posts": 40, "panel_size": 3, "posts_rated_by_panel": 40, "posts_left_out": {},
                          "fleiss_kappa": {"help_seeking": 0.61, "condition": 0.52,
                                           "causes": {"work": 0.7, "family": 0.55}},
                          "annotator_accuracy_vs_gold": {"help_seeking": [0.9, 0.88, 0.91],
                                                         "condition": [0.8, 0.79, 0.82]},
                          "majority_matches_gold": {"help_seeking": 1.0, "condition": 0.97, "causes": 0.95}},
            "models": {"default": model(0.811, 3), "fast": {"skipped": "models/fast has no model.json"},
                       "teacher": model(0.83, 6)},
            "paired": {"default - teacher": _paired()},
            "slices": {"by_source": {"r/depression": {"posts": 30, **_task_row(30)}},
                       "by_length": {"<=64": {"posts": 39, **_task_row(39)}}},
            "date": "2026-12-08", "wall_seconds": 12.0}


def _inputs(**optional) -> ReportInputs:
    fl, shipped = _floors_and_shipped()
    cal = {"heads": {"help_seeking": {"temperature": 1.2,
                                      "top_label": {"n": 10, "ece_T1": 0.1, "ece_shipped_T": 0.05, "ece_crossfit_T": 0.06},
                                      "p_yes": {"n": 10, "ece_T1": 0.11, "ece_shipped_T": 0.04, "ece_crossfit_T": 0.07}}}}
    meta = optional.pop("meta", _meta())
    return ReportInputs(meta=meta, floors=fl, shipped=shipped, calibration=cal, slices=_dev_slices(),
                        date="2026-12-08", **optional)


def _numbers(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"^## (\d+)\. ", text, flags=re.M)]


def _bench(version: str, variant: str = "default", quick: bool = False, started: str = "2026-12-01") -> dict:
    return {"started": started, "quick": quick,
            "worker": {"model": {"name": "mhelp-student", "version": version, "variant": variant},
                       "cold": {"cpuMs": 500}, "wasmMemoryMb": {"end": 54.8},
                       "rows": [{"name": "1 post, cache miss", "p50": 33.0, "cpuMsPerReq": 35.1},
                                {"name": "1 post, cache hit", "p50": 6.3, "cpuMsPerReq": 5.1},
                                {"name": "32 posts, cache miss", "p50": 760.0, "cpuMsPerReq": 762.5}]},
            "nodeEngine": {"rows": [{"name": "1 post", "p50": 18.4}]}}


def test_gold_leads_and_absent_json_sections_are_left_out(tmp_path):
    reports, bench = tmp_path / "reports", tmp_path / "bench"
    reports.mkdir(), bench.mkdir()
    inp = _inputs(gold_cv=_gold_cv(), **{k: v for k, v in optional_inputs(reports, bench, VERSION).items()
                                         if k != "gold_cv"})
    sections = report_sections(inp)
    assert [k for k, _ in sections] == ["gold", "shipped", "diagnostics", "worker", "not_measured"]
    text = render(inp)
    assert text.startswith("# Model report\n") and "WEAK" not in text and "issue 3 evidence" not in text
    assert "weak-label dev" not in text and "Not run" not in text
    assert _numbers(text) == [1, 2, 3, 4, 5]
    assert sections[0][1][0] == "## 1. Gold dev set: annotator agreement and k-fold cross-validation"
    assert "headline is the gold dev set (section 1)" in text and "dev split (section 3)" in text
    # diagnostics: numbered subsections, headers below them one level down; no TS check without its JSON
    assert re.findall(r"^### (3\.\d) ", text, flags=re.M) == ["3.1", "3.2", "3.3"]
    assert "#### By source" in text and "| silver/epitome |" in text and "| cams |" not in text
    assert "TypeScript engine vs Python" not in "\n".join(sections[2][1])
    # the gold section: intervals, precision/recall/AUROC, ECE as shipped and cross-fitted, causes per post
    gold = "\n".join(sections[0][1])
    assert "| default | as shipped | 39 | 0.811 [0.761, 0.861] | 0.800 | 0.820 | 0.900 [0.850, 0.950] | 0.081 |" in gold
    assert "| default | cross-fitted | 39 | 0.831 [0.781, 0.881] |" in gold and "| 0.042 |" in gold
    assert "| 0.470 [0.420, 0.520] | 0.520 | 1.10 / 1.00 |" in gold
    # the bars: help F1 0.831 < 0.88, accuracy 0.710 < 0.72, macro-F1 0.600 >= 0.50, causes 0.470 < 0.55,
    # ECE 0.042 <= 0.05, 1.10 causes per post within 20 % of 1.00
    assert "| help_seeking F1 ≥ 0.88 | condition accuracy ≥ 0.72 | condition macro-F1 ≥ 0.50 |" in gold
    assert "| default | cross-fitted | no | no | yes | no | yes | yes |" in gold
    assert "help_seeking 0.610" in gold and "skipped (models/fast has no model.json)" in gold
    assert "| default - teacher | -0.010 [-0.040, +0.020] (p 0.400) |" in gold
    assert "| source | r/depression | 30 |" in gold and "| length (tokens) | ≤ 64 | 39 |" in gold
    # the shipped model: int8 vs fp32 decisions against the 99 % target
    shipped = "\n".join(sections[1][1])
    assert "| causes | (post, label) pair | 98.5 % | no |" in shipped and "Below the target: causes." in shipped
    assert "trained directly on the corpus" in shipped
    # not measured: the items of a run without ablation, aux-heads, retrain or TS check
    last = "\n".join(sections[-1][1])
    assert last.startswith("## 5. What is not measured yet")
    for item in ("all-mpnet-base-v2", "Multi-task vs single-task", "Auxiliary heads", "gold-cv --retrain",
                 "Demographic fairness", "ts-python-agreement.json is absent"):
        assert item in last, item
    assert "reports/gold-cv.json is absent" not in last


def test_optional_sections_appear_numbered_in_order_and_missing_gold_says_the_command():
    aux = {"date": "2026-12-08", "floors": {"cams_cause": 0.436}, "target_points": 5.0, "seed_rows": [],
           "models": {"default": {"heads": {"cams_cause": {"weighted_f1": 0.49, "points_over_floor": 5.4}}}}}
    quant = {"fp32": "build/x.onnx", "methods": {"fp32": {"node_ms": {"median_ms": 10.0}}}}
    ag = {"posts": 300, "label_agreement": {"help_seeking": 1.0, "condition": 1.0, "causes": 1.0, "all_three": 1.0},
          "max_abs_p_yes_diff": 0.0, "passes": True, "metrics": [
              {"task": "help_seeking", "metric": "f1", "python": 0.8, "typescript": 0.8, "equal_3dp": True}]}
    split = {"date": "2026-12-08", "heads": {"cams_cause": {"leakage": {"dev": {"rows": 10, "heldout": 9}}, "splits": {
        s: {"n": 9} for s in ("dev", "dev_clean", "validation", "heldout")}}}}
    inp = _inputs(aux_heads=aux, aux_split=split, quantisation=quant, ts_agreement=ag)
    sections = report_sections(inp)
    assert [k for k, _ in sections] == ["gold", "shipped", "diagnostics", "worker", "aux_heads", "aux_split",
                                        "quantisation", "not_measured"]
    text = render(inp)
    assert _numbers(text) == list(range(1, 9))
    assert "## 5. Auxiliary heads of every exported model" in text and "## 7. int8 method" in text
    assert "## 6. Auxiliary heads on a held-out split" in text and "| cams_cause | 9 | – | 1 | 9 (9 + 9) |" in text
    assert "held-out split with no near duplicate in train (section 6)" in "\n".join(sections[-1][1])
    assert "### 3.4 The shipped model evaluated by the TypeScript engine vs Python" in text
    assert "ts-python-agreement" not in "\n".join(sections[-1][1])
    gold = "\n".join(sections[0][1])
    assert gold.startswith("## 1. Gold dev set") and "python -m mhelp_pipeline gold-cv" in gold
    assert "reports/gold-cv.json is absent" in "\n".join(sections[-1][1])


def test_ts_check_of_another_model_version_is_left_out():
    ag = {"model": {"version": "0.4.0"}}
    assert not ts_agreement_current(ag, VERSION) and ts_agreement_current({"model": {"version": VERSION}}, VERSION)
    assert ts_agreement_current({"posts": 3}, VERSION) and not ts_agreement_current(None, VERSION)
    sections = dict(report_sections(_inputs(ts_agreement=ag)))
    assert "TypeScript engine vs Python" not in "\n".join(sections["diagnostics"])
    assert "ts-python-agreement.json is for model version 0.4.0" in "\n".join(sections["not_measured"])


def test_worker_section_reads_only_the_current_model_version(tmp_path):
    files = {"worker-0.4.0-default.json": _bench("0.4.0"), "worker-0.5.0-fast.json": _bench(VERSION, "fast"),
             "worker-0.5.0-default-a.json": _bench(VERSION, started="2026-12-02"),
             "worker-0.5.0-default-b.json": _bench(VERSION, started="2026-12-01"),
             "worker-0.5.0-quick.json": _bench(VERSION, quick=True, started="2026-12-09")}
    for name, d in files.items():
        (tmp_path / name).write_text(json.dumps(d))
    benches = worker_benches(tmp_path, VERSION)
    assert [b["file"] for b in benches] == ["worker-0.5.0-default-a.json", "worker-0.5.0-fast.json"]
    assert worker_benches(tmp_path, "0.6.0") == []
    worker = dict(report_sections(_inputs(benches=benches)))["worker"]
    text = "\n".join(worker)
    assert "| default | mhelp-student 0.5.0 | 500 | 33.0 / 35.1 | 6.3 | 762 (23.8) | 18.4 | 54.8 MB |" in text
    assert "0.4.0" not in text and "default 35.1 ms (within); fast 35.1 ms (within)" in text
    none = dict(report_sections(_inputs()))["worker"]
    assert none[2] == ("`npm run bench:worker` has not been run for mhelp-student 0.5.0 (no "
                       "bench/results/worker-*.json records this model version).")


def test_write_report_needs_the_evaluation_of_the_graph_that_ships(tmp_path):
    """`report` renders only: without reports/shipped-dev.json for models/default's graph it names
    `evaluate-shipped` instead of rendering numbers about another model."""
    with pytest.raises(StaleEvaluation, match="evaluate-shipped"):
        write_report(out=tmp_path / "model-report.md", reports=tmp_path)
    (tmp_path / "shipped-dev.json").write_text(json.dumps({"variant": "default", "model": {"onnx_sha256": "0" * 64}}))
    with pytest.raises(StaleEvaluation, match="another graph"):
        write_report(out=tmp_path / "model-report.md", reports=tmp_path)
    assert not (tmp_path / "model-report.md").exists()

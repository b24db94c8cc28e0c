"""evaluate-shipped (evaluate/shipped.py) then report on a small real sample: the JSONs the report's
diagnostics are rendered from, and the report refusing an evaluation of another graph.

Posts are sampled from ../shared at run time into tmp_path and deleted with it; nothing is kept."""

import json
import random

from mhelp_pipeline.core.codebook import codebook
from mhelp_pipeline.core.paths import MODELS
from mhelp_pipeline.data.sources import reddit_subreddits
from mhelp_pipeline.evaluate.shipped import evaluate_shipped
from mhelp_pipeline.report.model_report import write_report


def test_evaluate_shipped_writes_what_the_report_renders(tmp_path, raw):
    pool = [e for e in reddit_subreddits(raw, 4)
            if {"help_seeking", "condition", "causes"} <= set(e.labels) and len(e.text.split()) < 300]
    sample = random.Random(0).sample(pool, 90)
    corpus, reports = tmp_path / "corpus", tmp_path / "reports"
    corpus.mkdir(), reports.mkdir()
    for split, part in (("train", sample[:60]), ("dev", sample[60:])):
        (corpus / f"{split}.jsonl").write_text("".join(json.dumps(
            {"id": str(i), "source": e.source, "group": e.group, "text": e.text, "labels": e.labels}) + "\n"
            for i, e in enumerate(part)))
    res = evaluate_shipped("default", corpus_dir=corpus, reports=reports, log=lambda m: None)
    cb = codebook()
    meta = json.loads((MODELS / "default" / "model.json").read_text())
    assert res["model"]["onnx_sha256"] == meta["onnx_sha256"] and list(res["heads"]) == cb.keys
    for k in cb.primary:
        assert res["heads"][k]["n"] == 30 and "ci_low" in res["heads"][k]["headline_ci"]
    assert set(res["figures"]) == {"reliability_help_seeking", "condition_confusion", "condition_labels"}
    for name in ("shipped-dev.json", "calibration.json", "slices.json", "floors.json"):
        assert json.loads((reports / name).read_text()), name
    assert "_plot" not in json.loads((reports / "calibration.json").read_text())

    write_report(out=tmp_path / "model-report.md", reports=reports, bench_dir=tmp_path)
    text = (tmp_path / "model-report.md").read_text()
    assert "## 3. Diagnostics on the dev split" in text and "### 3.3 Slices (robustness)" in text
    assert (reports / "figures" / "help-seeking-reliability.png").exists()

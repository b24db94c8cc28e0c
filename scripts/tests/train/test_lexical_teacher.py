"""The lexical second teacher (lexical_teacher.py): cross-fitted word n-gram regressions on a small real silver
sample, and the mixing of its logits into the teacher's."""

import numpy as np
from sklearn.metrics import roc_auc_score

from mhelp_pipeline.core.codebook import codebook
from mhelp_pipeline.core.io import read_jsonl
from mhelp_pipeline.core.paths import SILVER
from mhelp_pipeline.train.lexical_teacher import LexicalTeacherConfig, _fit_predict, lexical_logits, mix


def _as_corpus(r: dict, i: int) -> dict:
    causes = {lab: int(lab in r["causes"]) for lab in codebook().task("causes").labels}
    return {"id": str(i), "source": "silver/" + r["source"], "group": f"g{i}", "text": r["text"],
            "labels": {"help_seeking": r["help_seeking"], "condition": r["condition"], "causes": causes},
            "provenance": {"help_seeking": "silver", "condition": "silver", "causes": "silver"}}


def test_learns_the_silver_labels_out_of_sample_and_scores_other_posts():
    cb = codebook()
    records = read_jsonl(SILVER)[:1600]
    train = [_as_corpus(r, i) for i, r in enumerate(records[:1500])]
    others = [{"id": "o", "source": "sad", "group": "o", "text": r["text"], "labels": {}, "provenance": {}}
              for r in records[1500:]]
    cfg = LexicalTeacherConfig(max_features=20_000, min_df=2, folds=3)
    z = lexical_logits(cb, train + others, cfg, log=lambda m: None)
    assert z["help_seeking"].shape == (1600, 2) and z["condition"].shape == (1600, len(cb.task("condition").labels))
    assert z["causes"].shape == (1600, len(cb.task("causes").labels))
    y = np.array([r["help_seeking"] == "yes" for r in records])
    help_margin = z["help_seeking"][:, 1] - z["help_seeking"][:, 0]
    # silver rows are cross-fitted: well above chance, yet below what a fit that saw them gives back
    auc = roc_auc_score(y[:1500], help_margin[:1500])
    seen = _fit_predict(cb, cfg, train, train)["help_seeking"]
    assert 0.75 < auc < roc_auc_score(y[:1500], seen[:, 1] - seen[:, 0]) - 0.05, auc
    # the other posts: scored by the fit on every silver post
    assert roc_auc_score(y[1500:], help_margin[1500:]) > 0.7
    # condition log-probabilities are normalised
    assert np.allclose(np.exp(z["condition"]).sum(1), 1, atol=1e-4)


def test_mix_weights_the_primary_heads_and_leaves_the_others():
    cb = codebook()
    rng = np.random.default_rng(0)
    teacher = {t.key: rng.normal(size=(4, t.n)).astype(np.float32) for t in cb.tasks}
    lexical = {k: rng.normal(size=teacher[k].shape).astype(np.float32) for k in ("help_seeking", "condition", "causes")}
    lexical["condition"] -= np.log(np.exp(lexical["condition"]).sum(1, keepdims=True))
    out = mix(cb, teacher, lexical, 0.25)
    assert np.allclose(out["causes"], 0.75 * teacher["causes"] + 0.25 * lexical["causes"], atol=1e-6)
    z = teacher["condition"] - np.log(np.exp(teacher["condition"]).sum(1, keepdims=True))
    assert np.allclose(out["condition"], 0.75 * z + 0.25 * lexical["condition"], atol=1e-5)
    assert out["sad_cause"] is teacher["sad_cause"]
    assert np.allclose(mix(cb, teacher, lexical, 0.0)["causes"], teacher["causes"])

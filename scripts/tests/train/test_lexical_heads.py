"""The lexical heads (train/lexical_heads.py, runtime/lexical.py): learning on a small real silver sample, the reader
giving sklearn's TF-IDF, the shared vectors the TypeScript reads (test/engine/lexical.test.ts checks the other
side), and calibrate_posts choosing a head's lexical weight by what helps on the fit posts.

Silver posts are read from ../shared in place; nothing of them is written."""

import hashlib
import json

import numpy as np
import pytest

from mhelp_pipeline.core.codebook import codebook
from mhelp_pipeline.core.paths import MODELS, RAW
from mhelp_pipeline.data.sources import silver
from mhelp_pipeline.evaluate.metrics import auroc
from mhelp_pipeline.export.calibrate import CalibrationConfig, calibrate_posts
from mhelp_pipeline.runtime.lexical import LEXICAL_FILE, LexicalHeads, mix, ngrams
from mhelp_pipeline.train.lexical_heads import VECTORS_JSON, LexicalConfig, fit, silver_dev_scores, vectors


def _silver_records() -> tuple[list[dict], list[dict]]:
    """Silver posts in corpus form, split by a hash of the post id (1 in 4 held out)."""
    train, test = [], []
    for ex in silver(RAW, 3):
        r = {"text": ex.text, "labels": dict(ex.labels)}
        (test if int(hashlib.sha1(ex.raw_id.encode()).hexdigest(), 16) % 4 == 0 else train).append(r)
    return train, test


def test_learns_the_codebook_labels_from_a_small_silver_sample():
    train, test = _silver_records()
    doc = fit(train[:3000], LexicalConfig(max_features=5000))
    lex = LexicalHeads(doc)
    test = test[:800]
    z = [lex.logits(r["text"]) for r in test]
    help_yes = np.array([r["labels"]["help_seeking"] == "yes" for r in test])
    assert auroc(np.array([v["help_seeking"][1] - v["help_seeking"][0] for v in z]), help_yes) > 0.8
    cb = codebook()
    conditions = cb.task("condition").labels
    acc = np.mean([conditions[int(np.argmax(v["condition"]))] == r["labels"]["condition"] for v, r in zip(z, test)])
    assert acc > 0.45, acc
    causes = cb.task("causes").labels
    j = causes.index("financial")
    assert auroc(np.array([v["causes"][j] for v in z]), np.array([r["labels"]["causes"]["financial"] == 1 for r in test])) > 0.85


def test_silver_dev_scores_are_the_headlines_of_the_heads_alone():
    from sklearn.metrics import f1_score

    train, test = _silver_records()
    lex = LexicalHeads(fit(train[:1500], LexicalConfig(max_features=3000)))
    test = test[:300]
    got = silver_dev_scores(lex, test)
    z = [lex.logits(r["text"]) for r in test]
    yes = [r["labels"]["help_seeking"] == "yes" for r in test]
    assert got["help_seeking"] == round(f1_score(yes, [v["help_seeking"][1] > v["help_seeking"][0] for v in z]), 4)
    conditions = codebook().task("condition").labels
    acc = np.mean([conditions[int(np.argmax(v["condition"]))] == r["labels"]["condition"] for v, r in zip(z, test)])
    assert got["condition"] == round(float(acc), 4)
    causes = codebook().task("causes").labels
    per = [f1_score([r["labels"]["causes"][c] for r in test], [v["causes"][j] > 0 for v in z])
           for j, c in enumerate(causes) if any(r["labels"]["causes"][c] for r in test)]
    assert got["causes"] == pytest.approx(round(float(np.mean(per)), 4), abs=1e-4)
    assert 0.3 < got["help_seeking"] < 1 and 0.3 < got["condition"] < 1


def test_the_reader_computes_sklearns_tfidf_and_a_linear_model():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["i lost my job and i lost my rent", "my job my job my job", "nothing here", "rent is due, help"]
    doc = fit([{"text": t, "labels": {"help_seeking": "yes" if "help" in t or "rent" in t else "no",
                                      "condition": "none", "causes": {"work": int("job" in t)}}}
               for t in texts * 3], LexicalConfig(min_df=1, decimals=12))
    lex = LexicalHeads(doc)
    vec = TfidfVectorizer(analyzer=lambda t: [g for g, c in ngrams(lex.tokens(t), 2).items() for _ in range(c)],
                          sublinear_tf=True, vocabulary=doc["vocabulary"])
    vec.fit(texts * 3)
    X = vec.transform(texts).toarray()
    for i, t in enumerate(texts):
        x = np.zeros(len(doc["vocabulary"]))
        for k, v in lex.features(t).items():
            x[k] = v
        assert np.allclose(x, X[i], atol=1e-9)
        for task, w in lex.weights.items():
            assert np.allclose(lex.logits(t)[task], lex.bias[task] + X[i] @ w, atol=1e-9)


def test_the_shared_vectors_are_what_the_shipped_lexical_heads_give():
    fixture = json.loads(VECTORS_JSON.read_text(encoding="utf-8"))
    shipped = LexicalHeads.read(MODELS / "default" / LEXICAL_FILE)
    assert fixture == json.loads(json.dumps(vectors(shipped)))
    assert len(fixture["cases"]) >= 8 and any(c["text"] == "" for c in fixture["cases"])


def test_mix_is_the_convex_combination():
    z = np.array([[2.0, -4.0], [0.0, 0.0]])
    assert np.allclose(mix(z, np.array([0.0, 4.0]), 0.25), [[1.5, -2.0], [0.0, 1.0]])
    assert np.array_equal(mix(z, None, 0.0), z) and np.array_equal(mix(z, np.array([9.0, 9.0]), 0.0), z)
    with pytest.raises(ValueError, match="no lexical logits"):
        mix(z, None, 0.5)


def test_calibrate_posts_weighs_the_lexical_logits_by_what_they_add():
    cb = codebook().subset(("help_seeking",))
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    signal = np.where(y == 1, 1.5, -1.5) + rng.normal(0, 1.0, 400)
    noise = rng.normal(0, 1.0, 400)
    cfg = CalibrationConfig(temperature_fit="posts")

    def weight(model, lexical):
        windows = [{"help_seeking": np.array([[-m / 2, m / 2]])} for m in model]
        lex = [{"help_seeking": np.array([-v / 2, v / 2])} for v in lexical]
        out = calibrate_posts(cb, windows, [[10]] * len(y), {"help_seeking": y}, {}, {}, cfg, lexical=lex)
        return out["help_seeking"]["lexical_weight"]

    assert weight(noise, signal) >= 0.7  # the encoder knows nothing: the lexical logits take over
    assert weight(signal, noise) <= 0.2  # the lexical logits know nothing: the encoder keeps the decision
    out = calibrate_posts(cb, [{"help_seeking": np.array([[-m / 2, m / 2]])} for m in signal], [[10]] * len(y),
                          {"help_seeking": y}, {}, {}, cfg)
    assert "lexical_weight" not in out["help_seeking"]  # no lexical logits: no weight


def test_a_model_refuses_lexical_heads_whose_labels_differ_from_its_heads(tmp_path):
    import shutil

    from mhelp_pipeline.runtime.lexical import model_lexical

    shutil.copytree(MODELS / "default", tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert model_lexical(tmp_path / "m", meta) is not None
    doc = json.loads((tmp_path / "m" / LEXICAL_FILE).read_text())
    causes = next(h for h in doc["heads"] if h["task"] == "causes")
    causes["labels"] = causes["labels"][::-1]
    (tmp_path / "m" / LEXICAL_FILE).write_text(json.dumps(doc))
    meta["lexical"]["sha256"] = hashlib.sha256((tmp_path / "m" / LEXICAL_FILE).read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="no head 'causes' with the labels"):
        model_lexical(tmp_path / "m", meta)


def test_installing_new_lexical_heads_clears_the_weights_fitted_for_the_old_ones(tmp_path):
    import shutil

    from mhelp_pipeline.runtime.lexical import model_lexical
    from mhelp_pipeline.train.lexical_heads import install

    shutil.copytree(MODELS / "default", tmp_path / "m")
    before = json.loads((tmp_path / "m" / "model.json").read_text())
    assert any("lexical_weight" in h for h in before["heads"])
    doc = json.loads((tmp_path / "m" / LEXICAL_FILE).read_text())
    doc["heads"][0]["bias"] = [0.0 for _ in doc["heads"][0]["bias"]]
    install(doc, tmp_path / "m")
    after = json.loads((tmp_path / "m" / "model.json").read_text())
    assert not any("lexical_weight" in h for h in after["heads"])  # the encoder alone until calibrate-on-gold
    assert after["lexical"]["sha256"] != before["lexical"]["sha256"] and model_lexical(tmp_path / "m", after)
    (tmp_path / "m" / LEXICAL_FILE).write_text(json.dumps(doc) + " ")  # a file model.json does not name
    with pytest.raises(ValueError, match="sha256 differs"):
        model_lexical(tmp_path / "m", after)

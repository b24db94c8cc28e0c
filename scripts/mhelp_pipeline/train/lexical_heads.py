"""The lexical heads (runtime/lexical.py): TF-IDF + logistic regression per primary head -> models/<variant>/lexical.json
(the ``lexical-heads`` command).

Why. On gold the encoder's causes head does not beat a TF-IDF regression trained on the same silver labels, and the
two mixed beat both: with the weights chosen inside each gold fold, causes macro-F1 rose by about 5 points over the
shipped 0.7.0 default alone (issue 13's note of 2026-12-07; ``gold-cv`` measures the shipped mix). Distilling the
regressions into the student did not carry that over (a lexical second teacher, removed), so the engine runs them.

What. Trained on the corpus train split's posts that carry codebook labels (the silver posts of the split the
students learn from; never a gold post, never the silver dev split), their text normalised as the engine
normalises it (build-corpus stores it so):

- n-grams: runtime/lexical.py's tokens and bigrams; vocabulary: the ``max_features`` most frequent n-grams seen
  in at least ``min_df`` posts; idf smooth (ln((1 + n) / (1 + df)) + 1), sublinear tf, l2 norm (sklearn's
  TfidfVectorizer with runtime/lexical.py's analyser: the same numbers);
- heads: class-balanced logistic regression (``C``), multinomial for condition, one binary regression per cause
  on the posts where it is known; help_seeking's single decision value d is stored as the logits (-d/2, d/2),
  which softmax reads as sigmoid(d). A label that cannot be fitted (one class only) gets weight 0: no lexical
  evidence;
- weights are rounded to ``decimals`` (the JSON is what both languages read, so rounding costs no parity).

Each named variant gets the same file; model.json records it (``lexical``: file, format, sha256, training), and
calibrate-on-gold then fits every head's ``lexical_weight`` (0 until it does). test/fixtures/lexical-vectors.json
(text made up for the tests) holds the TypeScript engine to this reference's logits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..core.codebook import IGNORE, REPORTED_HEADLINE, codebook
from ..core.io import read_jsonl
from ..core.paths import CORPUS_DIR, MODELS, REPO, repo_relative
from ..data.normalise import NORMALISATION_VERSION, normalise
from ..evaluate.floors import targets
from ..evaluate.metrics import issue_metrics
from ..runtime.lexical import FORMAT_VERSION, LEXICAL_FILE, LexicalHeads, ngrams, tokenize

VECTORS_JSON = REPO / "test" / "fixtures" / "lexical-vectors.json"
# Words of the normalised, lower-cased post (the evidence scorer's word rule) and question marks (ASCII: the same in
# both languages). The "?" token, with its bigrams ("advice ?", "do ?"), is the cue of a request that words alone miss:
# on the silver dev split it raised the lexical help-seeking F1 from 0.754 to 0.785 (condition accuracy 0.642 ->
# 0.635, causes macro-F1 0.550 -> 0.553; "!" as well: no better). Model 0.8.1.
TOKEN = r"[a-z0-9]+(?:'[a-z]+)?|\?"


@dataclass(frozen=True)
class LexicalConfig:
    ngram_max: int = 2
    min_df: int = 2
    max_features: int = 20_000
    # Chosen on the silver dev split, the lexical heads alone (`lexical-heads --C c --out F` prints them; 0.8.1):
    # condition accuracy 0.616 at C = 1, 0.642 at 3, 0.636 at 10; help-seeking F1 0.751 / 0.754 / 0.748; causes
    # macro-F1 0.543 / 0.550 / 0.542. At C = 3, 40,000 n-grams (0.757 / 0.631 / 0.551) and 1-3-grams over 40,000
    # (0.761 / 0.624 / 0.547) did not do better on the sum; reading ’ as ' changed each by <= 0.004.
    C: float = 3.0
    max_iter: int = 3000
    decimals: int = 4
    seed: int = 0


def labelled_posts(corpus_dir: Path, tasks: list[str], split: str = "train") -> list[dict]:
    """A corpus split's posts labelled for every primary task (the silver posts)."""
    return [r for r in read_jsonl(corpus_dir / f"{split}.jsonl") if all(t in r["labels"] for t in tasks)]


def fit(records: list[dict], cfg: LexicalConfig = LexicalConfig()) -> dict:
    """lexical.json's content fitted on ``records`` (post text + codebook labels)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    token = re.compile(TOKEN)
    analyse = lambda text: [g for g, c in ngrams(tokenize(token, text), cfg.ngram_max).items()  # noqa: E731
                            for _ in range(c)]
    vec = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, min_df=cfg.min_df, max_features=cfg.max_features)
    X = vec.fit_transform([r["text"] for r in records])  # corpus texts are normalised (data/corpus.py)
    vocabulary = vec.get_feature_names_out().tolist()
    cb = codebook()
    heads, weights = [], {}

    def lr():
        return LogisticRegression(C=cfg.C, class_weight="balanced", max_iter=cfg.max_iter, random_state=cfg.seed)

    for t in (cb.task(k) for k in cb.primary):
        y, m = targets(t, records)
        W = np.zeros((X.shape[1], t.n))
        b = np.zeros(t.n)
        if t.kind == "single_label":
            keep = y != IGNORE
            classes = np.unique(y[keep])
            if len(classes) >= 2:
                model = lr().fit(X[keep], y[keep])
                if t.n == 2:
                    d, d0 = model.coef_[0], model.intercept_[0]
                    W[:, 0], W[:, 1], b[:] = -d / 2, d / 2, (-d0 / 2, d0 / 2)
                else:
                    for row, c in enumerate(model.classes_):
                        W[:, c], b[c] = model.coef_[row], model.intercept_[row]
                    b[[c for c in range(t.n) if c not in set(model.classes_)]] = -30.0  # never seen: never lexical
        else:
            for j in range(t.n):
                known = m[:, j] > 0
                if len(np.unique(y[known, j])) < 2:
                    continue
                model = lr().fit(X[known], y[known, j])
                W[:, j], b[j] = model.coef_[0], model.intercept_[0]
        heads.append({"task": t.key, "kind": t.kind, "labels": list(t.labels),
                      "bias": [round(float(v), cfg.decimals) for v in b]})
        weights[t.key] = [round(float(v), cfg.decimals) for v in W.reshape(-1)]
    return {
        "format_version": FORMAT_VERSION,
        "kind": "TF-IDF + logistic regression per primary head (runtime/lexical.py)",
        "normalisation_version": NORMALISATION_VERSION,
        "codebook_version": cb.version,
        "trained_on": {"posts": len(records), "split": "corpus train (silver posts)"},
        "config": asdict(cfg),
        "rules": {"token": TOKEN, "ngram_max": cfg.ngram_max, "tf": "1 + ln(count)", "norm": "l2"},
        "heads": heads,
        "vocabulary": vocabulary,
        "idf": [round(float(v), 6) for v in vec.idf_],
        "weights": weights,
    }


# Made-up posts for the shared test vectors: requests, vents, causes, empty text, repeated and unseen words.
VECTOR_TEXTS = [
    "",
    "hello",
    "I lost my job last month and I can't pay rent. Does anyone have advice on what I should do?",
    "My boyfriend broke up with me and I feel so alone. I just need someone to talk to please.",
    "Exams exams exams. School is crushing me and my parents keep yelling. I'm so tired of everything.",
    "Just venting. My grandmother died last week and nothing feels real anymore.",
    "Has anyone tried sertraline? The side effects are making me sick, should I ask my doctor to switch?",
    "qwertyuiop zxcvbnm asdfghjkl",
    "I I I I I feel feel feel bad bad",
    "Anyone else up at 3am? Can't sleep, heart racing, panic attack again. What helps you?",
]


def silver_dev_scores(lex: LexicalHeads, records: list[dict]) -> dict[str, float]:
    """The lexical heads alone on held-out silver posts (the corpus dev split; build-corpus keeps each near-duplicate
    group on one side): each primary task's REPORTED_HEADLINE, label = argmax (binary: p >= 0.5), a cause when
    its logit > 0. For choosing the configuration; gold judges the shipped mix (gold-cv)."""
    cb = codebook()
    logits = [lex.logits(r["text"]) for r in records]
    out = {}
    for t in (cb.task(k) for k in cb.primary):
        z = np.array([v[t.key] for v in logits])
        y, m = targets(t, records)
        pred = z.argmax(1) if t.kind == "single_label" else z > 0
        out[t.key] = round(float(issue_metrics(t, pred, y, m)[REPORTED_HEADLINE[t.key]]), 4)
    return out


def vectors(lex: LexicalHeads) -> dict:
    return {"about": "lexical logits of made-up posts from the Python reference (runtime/lexical.py), for "
                     "test/engine/lexical.test.ts; written by `python -m mhelp_pipeline lexical-heads`",
            "cases": [{"text": t, "normalised": normalise(t),
                       "logits": {k: v.tolist() for k, v in lex.logits(normalise(t)).items()}}
                      for t in VECTOR_TEXTS]}


def install(doc: dict, model_dir: Path) -> None:
    """Write lexical.json into a model folder and record it in its model.json. Every head's lexical_weight is
    removed: weights fitted for another lexical.json would mix logits they were not fitted for, so the folder scores
    with the encoder alone until calibrate-on-gold fits them again."""
    text = json.dumps(doc, separators=(",", ":"))
    (model_dir / LEXICAL_FILE).write_text(text)
    meta_path = model_dir / "model.json"
    meta = json.loads(meta_path.read_text())
    for h in meta["heads"]:
        h.pop("lexical_weight", None)
    meta["lexical"] = {"file": LEXICAL_FILE, "format_version": FORMAT_VERSION,
                       "sha256": hashlib.sha256(text.encode()).hexdigest(), "trained_on": doc["trained_on"],
                       "vocabulary": len(doc["vocabulary"])}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus-dir", type=Path, default=CORPUS_DIR)
    p.add_argument("--variants", default="default,fast", help="model folders under models/ to install it into")
    p.add_argument("--out", type=Path, default=None, help="write lexical.json here instead of into model folders")
    p.add_argument("--max-features", type=int, default=LexicalConfig.max_features)
    p.add_argument("--C", type=float, default=LexicalConfig.C, help="inverse regularisation of the regressions")


def run(args: argparse.Namespace) -> int:
    started = time.time()
    cfg = LexicalConfig(max_features=args.max_features, C=args.C)
    cb = codebook()
    records = labelled_posts(args.corpus_dir, list(cb.primary))
    doc = fit(records, cfg)
    dev = labelled_posts(args.corpus_dir, list(cb.primary), "dev")
    print(f"silver dev ({len(dev)} posts), lexical heads alone: {silver_dev_scores(LexicalHeads(doc), dev)}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(doc, separators=(",", ":")))
        print(f"wrote {args.out}")
    else:
        for v in args.variants.split(","):
            install(doc, MODELS / v)
            print(f"installed {repo_relative(MODELS / v / LEXICAL_FILE)}")
        VECTORS_JSON.write_text(json.dumps(vectors(LexicalHeads(doc)), indent=1) + "\n")
        print(f"wrote {repo_relative(VECTORS_JSON)}")
    print(f"{len(records)} posts, {len(doc['vocabulary'])} n-grams, {time.time() - started:.0f} s")
    return 0

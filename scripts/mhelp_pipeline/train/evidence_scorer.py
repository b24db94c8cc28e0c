"""The request-sentence scorer behind ``"explain": true`` -> models/evidence-scorer.json (the ``evidence-scorer``
command).

Which sentence of a help-seeking post is the request? Silver annotators marked it: every silver post labelled
help_seeking "yes" carries ``help_evidence``, a verbatim span. This trains a logistic regression over the
post's sentences (label: the sentence overlaps that span) on

- the sentence's word unigrams and bigrams, present or not (``TOKEN`` over the normalised, lower-cased
  sentence: the text the model itself reads), kept to the ``vocabulary`` words with the largest weights;
- ``DENSE``: where the sentence sits (relative position, first, last), a question mark, the request-cue prior,
  its length in tokens (capped) and the post's number of sentences (log).

src/engine/evidence.ts scores every sentence with it (no model pass), runs the model on the ``candidates``
best, and ranks those by ``request^(1 - model_weight) * p_alone^model_weight``: the sentence's request score
and the model's own p(help_seeking = yes) of that sentence alone. Every rule the two languages share (sentence
end, token, request cue, feature order) is written into the JSON by this module and read from it by the
TypeScript, so there is one home for each; test/fixtures/evidence-scorer-vectors.json (written here from text
made up for the tests) holds both sides to the same sentences and scores.

Evaluation never sees its training posts: ``--holdout`` posts (a hash of the silver id, 1 in 5) are held out
of a first fit, which is scored on them (share of posts whose top sentence overlaps the annotator's span,
request score alone); the shipped fit then uses every silver post. Gold dev is the judge and is never read
here: `node bench/evidence-methods.mjs --set gold` scores the shipped method on it through the engine.
Model weight and candidates were chosen on the silver held-out split (model_weight 0.3 over 0.0-1.0), not on
gold.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..core.io import read_jsonl
from ..core.paths import REPO, SILVER
from ..data.normalise import NORMALISATION_VERSION, normalise

FORMAT_VERSION = 1
SCORER_JSON = REPO / "models" / "evidence-scorer.json"
VECTORS_JSON = REPO / "test" / "fixtures" / "evidence-scorer-vectors.json"

# A sentence ends at . ! ? … (possibly repeated, possibly followed by closing quotes/brackets) before
# whitespace, or at a line break. Written so that Python's re and JavaScript's RegExp read it the same way.
SENTENCE_END = r"""[.!?…]+["'”’)\]]*(?=\s)|\n+"""
# Words of the normalised, lower-cased sentence (ASCII: the same in both languages).
TOKEN = r"[a-z0-9]+(?:'[a-z]+)?"
# Words that ask for something: advice, help, someone to answer (case-insensitive).
REQUEST_CUE = (r"\b(help|advice|advise|suggest\w*|recommend\w*|tips?|anyone|any ?one|someone|somebody|please|pls|"
               r"should i|what (?:do|can|should|would) i|how (?:do|can|should|would) i|what to do|how to|"
               r"is it normal|am i|does anyone|has anyone|need to talk|talk to)\b")
DENSE = ("position", "is_first", "is_last", "has_question", "request_prior", "length", "log_sentences")
LENGTH_CAP = 60  # tokens: a longer sentence counts as this long

# re.ASCII for the cue: \w and \b then mean what they mean in JavaScript
_END, _TOKEN, _CUE = re.compile(SENTENCE_END), re.compile(TOKEN), re.compile(REQUEST_CUE, re.I | re.A)


@dataclass(frozen=True)
class ScorerConfig:
    c: float = 0.3  # inverse L2 strength of the logistic regression
    vocabulary: int = 3000  # n-grams kept (largest |weight| of a first fit), then refit on them
    min_df: int = 3  # an n-gram must occur in this many training sentences
    holdout: int = 5  # 1 in this many silver posts (by id hash) held out of the first fit
    model_weight: float = 0.3  # the model's share in the ranking (chosen on the silver held-out split)
    candidates: int = 6  # sentences (best request scores) the model is run on per post


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Trimmed sentence spans, [start, end) offsets into ``text`` (evidence.ts sentenceSpans, same rules)."""
    spans, start = [], 0

    def push(a: int, b: int) -> None:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))

    for m in _END.finditer(text):
        push(start, m.start() + (0 if m.group().startswith("\n") else len(m.group())))
        start = m.end()
    push(start, len(text))
    return spans


def request_prior(sentence: str) -> int:
    """2 for a question mark, +1 for a request word (evidence.ts requestPrior)."""
    return (2 if "?" in sentence else 0) + (1 if _CUE.search(sentence) else 0)


def sentence_tokens(sentence: str) -> list[str]:
    return _TOKEN.findall(normalise(sentence).lower())


def ngrams(tokens: list[str]) -> set[str]:
    return set(tokens) | {f"{a} {b}" for a, b in zip(tokens, tokens[1:])}


def dense_features(sentences: list[str], tokens: list[list[str]]) -> np.ndarray:
    """DENSE per sentence of one post, in order; ``tokens``: each sentence's sentence_tokens."""
    n = len(sentences)
    return np.array([[k / max(n - 1, 1), float(k == 0), float(k == n - 1), float("?" in s), request_prior(s),
                      min(len(t), LENGTH_CAP) / LENGTH_CAP, math.log1p(n)]
                     for k, (s, t) in enumerate(zip(sentences, tokens))], dtype=float)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def labelled_posts(records: list[dict]) -> list[tuple[list[str], list[int]]]:
    """(sentences, 0/1 per sentence) for every help-seeking post whose help_evidence is found in its text."""
    out = []
    for r in records:
        ev = r.get("help_evidence") or ""
        at = r["text"].find(ev) if r.get("help_seeking") == "yes" and ev else -1
        if at < 0:
            continue
        spans = sentence_spans(r["text"])
        out.append(([r["text"][a:b] for a, b in spans], [int(_overlaps(s, (at, at + len(ev)))) for s in spans]))
    return out


def _matrix(posts: list[tuple[list[str], list[int]]], tokens: list[list[list[str]]], index: dict[str, int]):
    """Features of every sentence of ``posts`` (``tokens``: per post, each sentence's sentence_tokens)."""
    from scipy.sparse import csr_matrix, hstack

    rows, cols, dense = [], [], []
    i = 0
    for (sentences, _), post_tokens in zip(posts, tokens):
        for t in post_tokens:
            for g in ngrams(t):
                if g in index:
                    rows.append(i), cols.append(index[g])
            i += 1
        dense.append(dense_features(sentences, post_tokens))
    words = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(i, len(index)))
    return hstack([words, csr_matrix(np.vstack(dense))]).tocsr()


def fit(posts: list[tuple[list[str], list[int]]], cfg: ScorerConfig) -> dict:
    """The scorer's weights: n-grams seen in >= min_df sentences, fitted, pruned to ``vocabulary``, refitted."""
    from sklearn.linear_model import LogisticRegression

    tokens = [[sentence_tokens(s) for s in sentences] for sentences, _ in posts]  # normalised once per sentence
    df: dict[str, int] = {}
    for post_tokens in tokens:
        for t in post_tokens:
            for g in ngrams(t):
                df[g] = df.get(g, 0) + 1
    vocab = sorted(g for g, n in df.items() if n >= cfg.min_df)
    y = np.array([v for _, labels in posts for v in labels])
    features = lambda words: _matrix(posts, tokens, {g: i for i, g in enumerate(words)})  # noqa: E731
    clf = LogisticRegression(C=cfg.c, max_iter=3000).fit(features(vocab), y)
    keep = sorted(np.argsort(-np.abs(clf.coef_[0][:len(vocab)]), kind="stable")[:cfg.vocabulary])
    vocab = [vocab[i] for i in keep]
    clf = LogisticRegression(C=cfg.c, max_iter=3000).fit(features(vocab), y)
    w = clf.coef_[0]
    return {"bias": float(clf.intercept_[0]), "ngrams": {g: round(float(w[i]), 6) for i, g in enumerate(vocab)},
            "dense": {name: round(float(w[len(vocab) + j]), 6) for j, name in enumerate(DENSE)}}


def request_scores(weights: dict, sentences: list[str]) -> np.ndarray:
    """P(sentence is the request) per sentence of one post (evidence-scorer.ts requestScores)."""
    tokens = [sentence_tokens(s) for s in sentences]
    dense = dense_features(sentences, tokens)
    z = [weights["bias"] + sum(weights["ngrams"].get(g, 0.0) for g in ngrams(t))
         + sum(weights["dense"][name] * dense[k, j] for j, name in enumerate(DENSE)) for k, t in enumerate(tokens)]
    return 1 / (1 + np.exp(-np.array(z)))


def held_out(record: dict, every: int) -> bool:
    return int(hashlib.sha1(record["id"].encode()).hexdigest(), 16) % every == 0


def top_sentence_hit_rate(weights: dict, posts: list[tuple[list[str], list[int]]]) -> float:
    """Share of posts whose highest-scoring sentence is (part of) the annotated request."""
    return float(np.mean([labels[int(np.argmax(request_scores(weights, s)))] for s, labels in posts]))


# Posts made up for the shared vectors (no real post text): requests in different places, no request, one line.
VECTOR_POSTS = (
    "I have been feeling low for weeks. Work is fine, my family is fine. Does anyone have advice on how to talk to "
    "my doctor about it?",
    "Can someone help me figure out what to do? My partner left last month and I can't sleep.\nI just feel empty.",
    "Today was a good day. I went for a walk and called my sister! We laughed a lot.",
    "What should I do when the panic starts at night… I tried breathing exercises (they don't help).",
    "i dont know anymore",
    "My therapist says it's normal. Is it normal to cry every day? Asking for myself, please be kind. Thanks.",
)


def vectors(weights: dict) -> dict:
    return {"note": "Shared test vectors: models/evidence-scorer.json read by src/engine/evidence-scorer.ts and by "
                    "scripts/mhelp_pipeline/train/evidence_scorer.py must split these posts into the same sentences "
                    "and give them the same request scores. Text written for the tests; no real posts.",
            "cases": [{"text": t, "sentences": [list(s) for s in sentence_spans(t)],
                       "request_scores": [round(float(p), 6) for p in
                                          request_scores(weights, [t[a:b] for a, b in sentence_spans(t)])]}
                      for t in VECTOR_POSTS]}


def build(cfg: ScorerConfig = ScorerConfig(), silver: Path = SILVER, out: Path = SCORER_JSON,
          vectors_out: Path | None = VECTORS_JSON, log=print) -> dict:
    """Fit, score on held-out silver, refit on all silver; write the scorer to ``out`` and, unless None, its
    shared test vectors to ``vectors_out`` (they belong to the shipped scorer, which the engine tests read)."""
    t0 = time.time()
    if not silver.exists():
        raise FileNotFoundError(f"{silver} is absent: the scorer learns from silver help_evidence "
                                "(../shared/data/silver/silver.jsonl)")
    records = read_jsonl(silver)
    train = labelled_posts([r for r in records if not held_out(r, cfg.holdout)])
    test = labelled_posts([r for r in records if held_out(r, cfg.holdout)])
    first = fit(train, cfg)
    hit = top_sentence_hit_rate(first, test)
    log(f"silver held-out: {len(test)} posts, top sentence is the annotated request on {hit:.3f} "
        f"(request score alone; fitted on {len(train)} posts)")
    posts = train + test
    weights = fit(posts, cfg)
    doc = {"format_version": FORMAT_VERSION, "kind": "help_seeking request-sentence scorer",
           "normalisation_version": NORMALISATION_VERSION, "created": time.strftime("%Y-%m-%d"),
           "trained_on": {"silver_posts": len(posts), "sentences": sum(len(s) for s, _ in posts)},
           "config": asdict(cfg),
           "metrics": {"silver_held_out": {"posts": len(test), "top_sentence_hit_rate": round(hit, 4),
                                           "fitted_on_posts": len(train)}},
           "rules": {"sentence_end": SENTENCE_END, "token": TOKEN, "request_cue": REQUEST_CUE,
                     "length_cap": LENGTH_CAP, "dense": list(DENSE)},
           "ranking": {"model_weight": cfg.model_weight, "candidates": cfg.candidates},
           **weights}
    out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    if vectors_out is not None:
        vectors_out.write_text(json.dumps(vectors(doc), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {out} ({out.stat().st_size // 1024} KiB, {len(weights['ngrams'])} n-grams)"
        f"{f' and {vectors_out}' if vectors_out is not None else ''} in {time.time() - t0:.0f} s")
    return doc


# --- the `evidence-scorer` command -------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="where to write the scorer (default models/evidence-scorer.json); "
                   "with --out the shared test vectors, which belong to the shipped scorer, are not rewritten")


def run(args: argparse.Namespace) -> int:
    try:
        build(log=lambda m: print(m, flush=True), **({"out": Path(args.out), "vectors_out": None} if args.out else {}))
    except FileNotFoundError as e:
        print(f"evidence-scorer: {e}", flush=True)
        return 2
    return 0

"""Python reference of the engine's lexical heads (src/engine/lexical.ts): a model folder's ``lexical.json``.

A bag of words beside the encoder. For each primary head, a linear model over the post's TF-IDF vector gives one
logit per label; the engine mixes them into every window's logits before the temperature,
``(1 - w) * window logits + w * lexical logits``, with the head's ``lexical_weight`` w from model.json (fitted on
gold by calibrate-on-gold; 0 or absent = the encoder alone). On gold the encoder's causes head does not beat a
TF-IDF regression, while the two mixed beat both (train/lexical_heads.py says where that was measured).

The features, computed from the whole normalised post (every window gets the same lexical logits):

- tokens: ``rules.token`` over the lower-cased normalised text (ASCII, so Python's re and JavaScript's RegExp
  read it alike); n-grams: the tokens and, up to ``rules.ngram_max``, runs of consecutive tokens joined by one
  space;
- the value of a vocabulary n-gram seen c times: (1 + ln c) * idf (sublinear tf), the vector then scaled to unit
  length (l2); n-grams outside the vocabulary are ignored; a post with none gets the biases alone;
- logits of head h: bias_h + x . W_h, with W_h stored per n-gram, ``weights[h][k*n + j]`` for n-gram k and label j.

test/fixtures/lexical-vectors.json (written by train/lexical_heads.py) holds both languages to the same logits.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np

from ..data.normalise import NORMALISATION_VERSION

FORMAT_VERSION = 1
LEXICAL_FILE = "lexical.json"


def tokenize(token: re.Pattern, normalised: str) -> list[str]:
    """The tokens of a normalised post: every whole match of ``token`` in its lower-cased text (as JavaScript's
    String.match with a global pattern; findall would return a capturing group instead). Training and reading
    both tokenize here."""
    return [m.group(0) for m in token.finditer(normalised.lower())]


def ngrams(tokens: list[str], n_max: int) -> dict[str, int]:
    """Counts of the tokens' 1..n_max-grams (n-grams joined by one space)."""
    counts: dict[str, int] = {}
    for n in range(1, n_max + 1):
        for i in range(len(tokens) - n + 1):
            g = " ".join(tokens[i : i + n])
            counts[g] = counts.get(g, 0) + 1
    return counts


class LexicalHeads:
    """A parsed lexical.json: ``logits(normalised_text) -> {task: [n]}``."""

    def __init__(self, doc: dict) -> None:
        if doc.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"lexical.json has format_version {doc.get('format_version')}; this reads {FORMAT_VERSION}")
        if doc.get("normalisation_version") != NORMALISATION_VERSION:
            raise ValueError(f"lexical.json was trained with normalisation v{doc.get('normalisation_version')}, this "
                             f"reference implements v{NORMALISATION_VERSION}")
        if int(doc["rules"]["ngram_max"]) < 1:
            raise ValueError("lexical.json: rules.ngram_max must be at least 1")
        self.doc = doc
        self.token = re.compile(doc["rules"]["token"])
        self.ngram_max = int(doc["rules"]["ngram_max"])
        self.index = {g: k for k, g in enumerate(doc["vocabulary"])}
        self.idf = np.asarray(doc["idf"], dtype=np.float64)
        self.heads = {h["task"]: h for h in doc["heads"]}
        self.weights = {t: np.asarray(doc["weights"][t], dtype=np.float64).reshape(len(self.idf), len(h["labels"]))
                        for t, h in self.heads.items()}
        self.bias = {t: np.asarray(h["bias"], dtype=np.float64) for t, h in self.heads.items()}

    @classmethod
    def read(cls, path: Path) -> "LexicalHeads":
        return cls(json.loads(Path(path).read_text()))

    def tokens(self, normalised: str) -> list[str]:
        return tokenize(self.token, normalised)

    def features(self, normalised: str) -> dict[int, float]:
        """The post's l2-normalised TF-IDF vector as {vocabulary index: value}, in the engine's order of
        operations (first occurrence order of the n-grams; the norm summed in that order). The two agree to about
        1e-15, not bit for bit: V8's Math.log is not correctly rounded (ln 3 is 1 ulp off), libm's log is."""
        x: dict[int, float] = {}
        for g, c in ngrams(self.tokens(normalised), self.ngram_max).items():
            k = self.index.get(g)
            if k is not None:
                x[k] = (1.0 + math.log(c)) * float(self.idf[k])
        total = 0.0
        for v in x.values():  # in order, one addition at a time (as the engine adds; sum() may compensate)
            total += v * v
        norm = math.sqrt(total)
        return {k: v / norm for k, v in x.items()} if norm > 0 else {}

    def logits(self, normalised: str) -> dict[str, np.ndarray]:
        x = self.features(normalised)
        out = {}
        for t in self.heads:
            z = self.bias[t].copy()
            for k, v in x.items():
                z += v * self.weights[t][k]
            out[t] = z
        return out


def model_lexical(model_dir: Path, meta: dict) -> LexicalHeads | None:
    """The lexical heads model.json names (``lexical.file``), or None when it names none. Every head of model.json
    with a lexical_weight must have a lexical head with the same labels in the same order (as the engine checks)."""
    block = meta.get("lexical")
    if not block:
        return None
    path = Path(model_dir) / block["file"]
    raw = path.read_bytes()  # read once: hashed, then parsed
    if block.get("sha256") and hashlib.sha256(raw).hexdigest() != block["sha256"]:
        raise ValueError(f"{path} is not the file model.json names (sha256 differs): run lexical-heads, then "
                         "calibrate-on-gold, so that the weights are fitted for the file")
    lex = LexicalHeads(json.loads(raw))
    for h in meta["heads"]:
        if h.get("lexical_weight") and lex.heads.get(h["task"], {}).get("labels") != h["labels"]:
            raise ValueError(f"{block['file']} has no head {h['task']!r} with the labels {h['labels']} in this order")
    return lex


def mix(window_logits: np.ndarray, lexical_logits: np.ndarray | None, weight: float) -> np.ndarray:
    """A head's window logits [windows, n] with the post's lexical logits [n] mixed in:
    (1 - weight) * window + weight * lexical. Weight 0 returns the window logits; a weight without lexical logits is
    an error (the model's lexical heads were not run)."""
    z = np.asarray(window_logits, dtype=np.float64)
    if weight == 0:
        return z
    if lexical_logits is None:
        raise ValueError(f"lexical_weight {weight} but no lexical logits for this head")
    return (1.0 - weight) * z + weight * np.asarray(lexical_logits, dtype=np.float64)[None, :]


def post_lexical(lex: LexicalHeads | None, texts: list[str]) -> list[dict[str, np.ndarray]] | None:
    """Per normalised text, the lexical logits of ``lex`` ({task: [n]}; model_lexical reads a model folder's); None
    when the model has no lexical heads. The companion of WindowRunner.run_posts for inference.heads_probabilities."""
    return None if lex is None else [lex.logits(t) for t in texts]

"""Python reference of the TypeScript engine: tokenise -> windows -> logits -> post-processing.

Everything here follows docs/model-format.md and must stay byte-for-byte in step with the engine; the
parity fixture (test/fixtures/parity.json) is produced from these functions.

- Windowing: the content tokens (no specials) are cut into windows of ``max_length - 2`` tokens,
  consecutive windows overlapping by ``stride`` tokens, each wrapped in [CLS] ... [SEP]. An empty text
  gives one window [CLS] [SEP].
- Post-processing per head: temperature-scaled softmax (single) / sigmoid (multi); aggregation over windows
  of *probabilities* by the head's ``aggregation`` (model format 2): ``token_mean`` -> mean weighted by the
  window's token count (content tokens), ``max`` -> element-wise max over windows. Defaults (format 1, or
  the field absent): token_mean for single_label, max for multi_label. ``max`` on a (binary) single-label
  head takes the whole distribution of the window with the highest p(labels[1]), so probabilities still
  sum to 1. Then, for a binary single-label head with ``post_calibration`` (knots {"x", "y"}), the
  aggregated p[1] goes through that monotone piecewise-linear map (``post_calibrate``) and p[0] = 1 - p[1].
  Labels: argmax, binary threshold on p[1], multi-label per-label thresholds.
- Many posts at once (the evaluators): ``engine_predictions`` decides whole posts with a model folder as the
  engine does; ``decisions`` turns aggregated probabilities into label arrays ``{task: (pred, score)}``.
- Sessions run with ``session.disable_quant_qdq=1``, as the engine does: constant folding may then fold
  the DequantizeLinear of constant int8 weights once at load instead of on every run (the same values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.codebook import Codebook
from ..core.paths import SESSION_OPTIONS_JSON
from .lexical import mix, model_lexical
from .ort_web import OrtWebSession


def content_windows(ids: list[int], max_length: int, stride: int) -> list[list[int]]:
    size = max_length - 2
    if size <= 0 or stride < 0 or stride >= size:
        raise ValueError("need max_length > 2 and 0 <= stride < max_length - 2")
    if not ids:
        return [[]]
    step = size - stride
    out = []
    start = 0
    while True:
        out.append(ids[start : start + size])
        if start + size >= len(ids):
            return out
        start += step


def wrap(window: list[int], cls_id: int, sep_id: int) -> list[int]:
    return [cls_id, *window, sep_id]


def softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Head:
    task: str
    kind: str
    labels: list[str]
    temperature: float
    thresholds: list[float] | None
    aggregation: str = ""  # "" -> the kind's default (default_aggregation)
    # binary single-label heads: {"x": [...], "y": [...]}, a monotone map of the aggregated p(labels[1])
    # (post_calibrate); None -> no map
    post_calibration: dict | None = None
    # the weight w of the post's lexical logits in every window's logits: (1 - w) * window + w * lexical
    # (runtime/lexical.py; model format 4); 0 -> the encoder alone
    lexical_weight: float = 0.0

    @classmethod
    def from_json(cls, h: dict) -> "Head":
        return cls(h["task"], h["kind"], list(h["labels"]), float(h["temperature"]), h.get("thresholds"),
                   h.get("aggregation") or default_aggregation(h["kind"]), h.get("post_calibration"),
                   float(h.get("lexical_weight", 0.0)))


AGGREGATIONS = ("token_mean", "max")


def default_aggregation(kind: str) -> str:
    """Format 1 had no per-head field: a long post is judged as a whole for single-label heads, and a
    multi-label cause stated in any window counts."""
    return "token_mean" if kind == "single_label" else "max"


def window_probs(head: Head, logits: np.ndarray) -> np.ndarray:
    """logits [windows, n] -> probabilities [windows, n]."""
    z = np.asarray(logits, dtype=np.float64) / head.temperature
    return softmax(z) if head.kind == "single_label" else sigmoid(z)


def interpolate(x: list[float], y: list[float], p: float) -> float:
    """The piecewise-linear function through the knots (x strictly increasing) at ``p``, constant outside
    [x[0], x[-1]]. The same operations, in the same order, as the engine's interpolateKnots (heads.ts)."""
    if p <= x[0]:
        return float(y[0])
    if p >= x[-1]:
        return float(y[-1])
    j = 0
    while x[j + 1] < p:
        j += 1
    if p == x[j + 1]:
        return float(y[j + 1])
    return float(y[j] + (y[j + 1] - y[j]) * (p - x[j]) / (x[j + 1] - x[j]))


def post_calibrate(head: Head, p: np.ndarray) -> np.ndarray:
    """The head's ``post_calibration`` applied to one post's aggregated probabilities (binary single-label
    heads): p[1] -> map(p[1]), p[0] = 1 - p[1]. Without a map, ``p`` unchanged."""
    m = head.post_calibration
    if not m:
        return p
    if head.kind != "single_label" or len(p) != 2:
        raise ValueError("post_calibration needs a binary single-label head")
    q = interpolate(m["x"], m["y"], float(p[1]))
    return np.array([1.0 - q, q])


def aggregate(head: Head, probs: np.ndarray, weights: list[int]) -> np.ndarray:
    """The windows' probabilities combined by the head's aggregation, then its post_calibration (if any)."""
    return post_calibrate(head, _aggregate(head, probs, weights))


def _aggregation(head: Head, n_labels: int) -> str:
    """The head's aggregation, checked: a known one, and ``max`` on a single-label head only with two labels."""
    how = head.aggregation or default_aggregation(head.kind)
    if how not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {how!r}")
    if how == "max" and head.kind == "single_label" and n_labels != 2:
        raise ValueError("max aggregation of a single-label head needs two labels")
    return how


def _aggregate(head: Head, probs: np.ndarray, weights: list[int]) -> np.ndarray:
    how = _aggregation(head, probs.shape[1])
    if how == "max" and head.kind == "single_label":
        return probs[int(np.argmax(probs[:, 1]))]
    if how == "token_mean":
        w = np.asarray(weights, dtype=np.float64)
        w = np.ones_like(w) if w.sum() == 0 else w  # the empty text: one window with no content tokens
        return (probs * w[:, None]).sum(0) / w.sum()
    return probs.max(0)


def decide(head: Head, p: np.ndarray) -> str | list[str]:
    if head.kind == "single_label":
        if head.thresholds is not None and len(head.labels) == 2:
            return head.labels[1] if p[1] >= head.thresholds[0] else head.labels[0]
        return head.labels[int(np.argmax(p))]
    th = head.thresholds if head.thresholds is not None else [0.5] * len(head.labels)
    return [lab for lab, pi, t in zip(head.labels, p, th) if pi >= t]


def post_probabilities(head: Head, windows: list[np.ndarray], weights: list[list[int]]) -> np.ndarray:
    """[posts, n] calibrated, aggregated probabilities of one head: ``windows[i]`` = raw logits of post i's
    windows, ``weights[i]`` = their content-token counts. ``aggregate`` per post, computed for all posts at once
    (calibration evaluates it thousands of times): the same numbers, to rounding."""
    if not windows:
        return np.zeros((0, len(head.labels)))
    counts = np.array([len(z) for z in windows])
    if (counts == 0).any() or [len(g) for g in weights] != counts.tolist():
        raise ValueError("every post needs at least one window and one weight per window")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    probs = window_probs(head, np.concatenate([np.asarray(z, dtype=np.float64) for z in windows]))
    how = _aggregation(head, probs.shape[1])
    if how == "max" and head.kind == "single_label":
        post = np.repeat(np.arange(len(windows)), counts)
        # per post, the first window with the highest p[1] (np.argmax's choice): sort by post, then -p[1], then index
        order = np.lexsort((np.arange(len(post)), -probs[:, 1], post))
        out = probs[order[starts]]
    elif how == "max":
        out = np.maximum.reduceat(probs, starts, axis=0)
    else:
        w = np.concatenate([np.asarray(g, dtype=np.float64) for g in weights])
        totals = np.add.reduceat(w, starts)
        empty = totals == 0  # the empty text: one window with no content tokens (weight 1)
        w[np.repeat(empty, counts)] = 1.0
        out = np.add.reduceat(probs * w[:, None], starts, axis=0) / np.where(empty, counts, totals)[:, None]
    if head.post_calibration:
        out = np.stack([post_calibrate(head, row) for row in out])
    return out


def heads_probabilities(cb: Codebook, heads: dict[str, Head], windows: list[dict[str, np.ndarray]],
                        weights: list[list[int]], rows, lexical: list[dict[str, np.ndarray]] | None = None
                        ) -> dict[str, np.ndarray]:
    """post_probabilities of every task of ``cb`` for the posts ``rows`` (WindowRunner.run_posts' outputs), with
    each post's ``lexical`` logits (lexical.post_lexical) mixed in by the heads' ``lexical_weight``."""
    out = {}
    for t in cb.tasks:
        h = heads[t.key]
        z = [mix(windows[i][t.key], lexical[i].get(t.key) if lexical is not None else None, h.lexical_weight)
             for i in rows]
        out[t.key] = post_probabilities(h, z, [weights[i] for i in rows])
    return out


def decisions(heads: dict[str, Head], probs: dict[str, np.ndarray]) -> dict[str, tuple]:
    """Aggregated probabilities of many posts ({task: [posts, n]}) decided as the engine decides (``decide``),
    as arrays: {task: (pred, score)}; single-label pred = label indices and score = p(labels[1]) for binary
    heads (else None), multi-label pred = [posts, labels] 0/1."""
    out = {}
    for k, h in heads.items():
        p = np.asarray(probs[k])
        if h.kind == "single_label":
            out[k] = (np.array([h.labels.index(decide(h, row)) for row in p]), p[:, 1] if len(h.labels) == 2 else None)
        else:
            out[k] = (np.array([[int(lab in decide(h, row)) for lab in h.labels] for row in p]), None)
    return out


def ort_session(onnx_path: Path, optimisation: str = "basic", threads: int = 2, runtime: str = "ort-web"):
    """A session configured like the engine's (see the module docstring).

    ``runtime="ort-web"`` (default): onnxruntime-web's WASM build under Node, the arithmetic the Worker and
    CLI run (ort_web.py says why that matters for dynamic int8). ``"native"``: Python onnxruntime on CPU,
    faster, identical for fp32 and weight-only graphs (to ~1e-6) but not for dynamic int8 ones."""
    if runtime == "ort-web":
        return OrtWebSession(onnx_path)
    if runtime != "native":
        raise ValueError(f"runtime must be 'ort-web' or 'native', not {runtime!r}")
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.graph_optimization_level = {
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }[optimisation]
    # the engine's session entries (src/engine/session-options.json, read by the TypeScript engine too)
    engine_opts = json.loads(SESSION_OPTIONS_JSON.read_text())
    for key, value in engine_opts["extra"]["session"].items():
        opts.add_session_config_entry(f"session.{key}", value)
    return ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])


class WindowRunner:
    """Tokenizer + ONNX graph: a text's windows and their raw logits, exactly as the engine computes them.
    Used by the Predictor (shipped folders) and by export (calibration before model.json exists)."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path, max_length: int, stride: int, heads: list[str],
                 optimisation: str = "basic", runtime: str = "ort-web") -> None:
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(str(tokenizer_path))
        self.tok.no_truncation()
        self.tok.no_padding()
        self.sess = ort_session(onnx_path, optimisation, runtime=runtime)
        self.max_length, self.stride, self.names = max_length, stride, list(heads)
        self.cls = self.tok.token_to_id("[CLS]")
        self.sep = self.tok.token_to_id("[SEP]")

    def encode_windows(self, normalised: str) -> list[list[int]]:
        ids = self.tok.encode(normalised, add_special_tokens=False).ids
        wins = content_windows(ids, self.max_length, self.stride)
        return [wrap(w, self.cls, self.sep) for w in wins]

    def logits(self, windows: list[list[int]]) -> dict[str, np.ndarray]:
        """Raw logits per head [windows, n]. Each window runs alone (batch 1, no padding), as the engine
        does: with dynamic quantisation (one activation scale per tensor) padding rows or batch-mates
        would change the logits."""
        rows: dict[str, list[np.ndarray]] = {k: [] for k in self.names}
        for w in windows:
            ids = np.asarray([w], dtype=np.int64)
            outs = self.sess.run(self.names, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
            for k, v in zip(self.names, outs):
                rows[k].append(v[0])
        return {k: np.stack(v) for k, v in rows.items()}

    def run_posts(self, texts: list[str]) -> tuple[list[dict[str, np.ndarray]], list[list[int]]]:
        """Per post: raw logits of every window ({head: [windows, n]}) and each window's content-token count
        (the aggregation weights), tokenising each text once."""
        wins = [self.encode_windows(t) for t in texts]
        return [self.logits(w) for w in wins], [[len(x) - 2 for x in w] for w in wins]


class Predictor:
    """Runs a shipped model folder (model.json + ONNX + tokenizer.json) with onnxruntime on CPU."""

    def __init__(self, model_dir: Path, onnx_file: str | None = None, optimisation: str = "basic",
                 runtime: str = "ort-web") -> None:
        self.dir = Path(model_dir)
        self.meta = json.loads((self.dir / "model.json").read_text())
        self.heads = [Head.from_json(h) for h in self.meta["heads"]]
        self.runner = WindowRunner(self.dir / (onnx_file or self.meta["onnx"]), self.dir / self.meta["tokenizer"],
                                   self.meta["max_length"], self.meta["stride"], [h.task for h in self.heads],
                                   optimisation, runtime)
        self.tok, self.sess = self.runner.tok, self.runner.sess
        self.lexical = model_lexical(self.dir, self.meta)

    def encode_windows(self, normalised: str) -> list[list[int]]:
        return self.runner.encode_windows(normalised)

    def logits(self, windows: list[list[int]]) -> dict[str, np.ndarray]:
        return self.runner.logits(windows)

    def predict(self, normalised: str) -> dict:
        windows = self.encode_windows(normalised)
        raw = self.logits(windows)
        weights = [len(w) - 2 for w in windows]
        lexical = self.lexical.logits(normalised) if self.lexical is not None else {}
        result = {}
        for h in self.heads:
            p = aggregate(h, window_probs(h, mix(raw[h.task], lexical.get(h.task), h.lexical_weight)), weights)
            result[h.task] = {"probs": p.tolist(), "labels": decide(h, p)}
        return {"windows": windows, "logits": {k: v.tolist() for k, v in raw.items()}, "heads": result}


# --- many posts at once, as arrays (the evaluators) ----------------------------------------------------------

def engine_predictions(model_dir: Path, records: list[dict], tasks: tuple[str, ...]) -> dict[str, tuple]:
    """Decisions on whole posts exactly as the engine makes them (Predictor: every window run alone, the
    model's aggregation, temperatures and thresholds): {task: (pred, score)} as ``decisions`` returns them
    (score = p(labels[1]) for binary heads, else None)."""
    pred = Predictor(model_dir)
    outs = [pred.predict(r["text"])["heads"] for r in records]
    heads = {h.task: h for h in pred.heads if h.task in tasks}
    return decisions(heads, {k: np.array([o[k]["probs"] for o in outs]) for k in heads})


def as_shipped(cb: Codebook, meta: dict, windows, weights, lexical=None) -> tuple[dict[str, tuple], dict[str, np.ndarray]]:
    """Decisions and probabilities of posts (WindowRunner.run_posts' outputs, and the model's lexical logits of
    them where it has lexical heads: lexical.post_lexical) with the model's own settings (model.json ``meta``),
    for the tasks of ``cb``."""
    heads = {h["task"]: Head.from_json(h) for h in meta["heads"] if h["task"] in cb.keys}
    probs = heads_probabilities(cb, heads, windows, weights, range(len(windows)), lexical)
    return decisions(heads, probs), probs


def empty_decisions(cb: Codebook, n: int) -> dict[str, tuple]:
    """Zeroed decisions of ``n`` posts in ``decisions``' shapes, filled part by part with ``put_decisions``."""
    return {t.key: (np.zeros(n if t.kind == "single_label" else (n, t.n), dtype=int),
                    np.zeros(n) if t.kind == "single_label" and t.n == 2 else None) for t in cb.tasks}


def put_decisions(preds: dict[str, tuple], part: dict[str, tuple], rows: np.ndarray) -> None:
    """Write the decisions ``part`` of the posts ``rows`` into ``preds``."""
    for k, (pred, score) in part.items():
        preds[k][0][rows] = pred
        if score is not None:
            preds[k][1][rows] = score

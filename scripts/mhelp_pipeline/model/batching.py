"""Corpus -> tensors: tokenisation (first window only), label targets with masks, length-bucketed batches.

Training uses the first window of each post (the engine's first window, identical token ids), so the
model never sees text the engine would cut differently. Batches are sorted by length inside shuffled
mega-batches and padded dynamically: on 2 CPU cores this halves the cost against fixed 128-token padding.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..core.codebook import IGNORE, Codebook, Task
from ..runtime.inference import content_windows, wrap


@dataclass
class Encoded:
    ids: list[list[int]]
    single: dict[str, list[int]]  # task -> target index or IGNORE
    multi: dict[str, list[list[float]]]  # task -> targets per label (0/1)
    multi_mask: dict[str, list[list[float]]]  # task -> 1 where the label is known
    sources: list[str]
    # content tokens of the whole post before windowing: the encoder only sees ids[i], but length slices
    # (slices.py) bucket posts by how many windows the engine would cut
    n_tokens: list[int] = field(default_factory=list)

    def take(self, rows) -> "Encoded":
        """The examples ``rows`` (indices), in that order."""
        pick = lambda xs: [xs[i] for i in rows]  # noqa: E731
        return Encoded(pick(self.ids), {k: pick(v) for k, v in self.single.items()},
                       {k: pick(v) for k, v in self.multi.items()}, {k: pick(v) for k, v in self.multi_mask.items()},
                       pick(self.sources), pick(self.n_tokens) if self.n_tokens else [])

    def concat(self, other: "Encoded") -> "Encoded":
        """This set's examples followed by ``other``'s (same tasks)."""
        return Encoded(self.ids + other.ids, {k: v + other.single[k] for k, v in self.single.items()},
                       {k: v + other.multi[k] for k, v in self.multi.items()},
                       {k: v + other.multi_mask[k] for k, v in self.multi_mask.items()}, self.sources + other.sources,
                       self.n_tokens + other.n_tokens if self.n_tokens and other.n_tokens else [])


def load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def targets(task: Task, enc: Encoded) -> tuple[np.ndarray, np.ndarray | None]:
    """One task's labels as arrays: single-label -> (indices with IGNORE, None); multi-label -> (0/1, known mask)."""
    if task.kind == "single_label":
        return np.array(enc.single[task.key]), None
    return np.array(enc.multi[task.key], dtype=float), np.array(enc.multi_mask[task.key], dtype=float)


def encode(records: list[dict], tok, cb: Codebook, max_length: int) -> Encoded:
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    encs = tok.encode_batch([r["text"] for r in records], add_special_tokens=False)
    ids = [wrap(content_windows(e.ids, max_length, 0)[0], cls_id, sep_id) for e in encs]
    single: dict[str, list[int]] = {}
    multi: dict[str, list[list[float]]] = {}
    mmask: dict[str, list[list[float]]] = {}
    for t in cb.tasks:
        if t.kind == "single_label":
            single[t.key] = [t.index(r["labels"][t.key]) if t.key in r["labels"] else IGNORE for r in records]
        else:
            tg, mk = [], []
            for r in records:
                known = r["labels"].get(t.key, {})
                tg.append([float(known.get(lab, 0)) for lab in t.labels])
                mk.append([1.0 if lab in known else 0.0 for lab in t.labels])
            multi[t.key], mmask[t.key] = tg, mk
    return Encoded(ids, single, multi, mmask, [r["source"] for r in records], [len(e.ids) for e in encs])


def make_batch(enc: Encoded, idx: list[int], device: str = "cpu") -> dict:
    """Padded tensors for the examples ``idx``, on ``device`` ("cpu" or "cuda" on the lent GPU machine)."""
    t = max(len(enc.ids[i]) for i in idx)
    ids = torch.zeros((len(idx), t), dtype=torch.long)
    mask = torch.zeros((len(idx), t), dtype=torch.long)
    for j, i in enumerate(idx):
        ids[j, : len(enc.ids[i])] = torch.tensor(enc.ids[i])
        mask[j, : len(enc.ids[i])] = 1
    batch = {"input_ids": ids, "attention_mask": mask, "single": {}, "multi": {}, "multi_mask": {}}
    for k, v in enc.single.items():
        batch["single"][k] = torch.tensor([v[i] for i in idx])
    for k in enc.multi:
        batch["multi"][k] = torch.tensor([enc.multi[k][i] for i in idx])
        batch["multi_mask"][k] = torch.tensor([enc.multi_mask[k][i] for i in idx])
    return batch if device == "cpu" else _to(batch, device)


def _to(x, device: str):
    return {k: _to(v, device) for k, v in x.items()} if isinstance(x, dict) else x.to(device, non_blocking=True)


def bucketed_batches(enc: Encoded, batch_size: int, rng: random.Random, mega: int = 50,
                     pool: Sequence[int] | None = None) -> list[list[int]]:
    """One pass over ``pool`` (default: every example) in shuffled batches of similar lengths: shuffled,
    sorted by length within mega-batches of ``mega`` batches, cut into batches, batch order shuffled."""
    order = list(range(len(enc.ids))) if pool is None else [int(i) for i in pool]
    rng.shuffle(order)
    batches = []
    for s in range(0, len(order), batch_size * mega):
        chunk = sorted(order[s : s + batch_size * mega], key=lambda i: len(enc.ids[i]))
        batches.extend(chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def endless_full_batches(enc: Encoded, batch_size: int, rng: random.Random,
                         pool: Sequence[int] | None = None) -> Iterator[list[int]]:
    """``bucketed_batches`` pass after pass (reshuffled each time), full batches only: every step of a
    fixed-budget run (distillation, the ablation) sees exactly ``batch_size`` examples."""
    while True:
        yield from (b for b in bucketed_batches(enc, batch_size, rng, pool=pool) if len(b) == batch_size)


def sequential_batches(enc: Encoded, batch_size: int) -> list[list[int]]:
    """Evaluation: sorted by length for speed; callers restore order through the indices."""
    order = sorted(range(len(enc.ids)), key=lambda i: len(enc.ids[i]))
    return [order[j : j + batch_size] for j in range(0, len(order), batch_size)]

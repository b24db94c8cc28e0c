"""Exact and near-duplicate detection over the whole corpus (and the gold dev set when present).

Several sources hold the same Reddit posts (CAMS/IRF/MultiWD/SDCNL, IMHI copies of Dreaddit, ...). Two
texts are duplicates when their normalised form is identical, or when their word 8-gram sets have a
Jaccard similarity >= ``jaccard`` or one contains >= ``containment`` of the other's 8-grams (excerpts).

Kept fast with a bottom-k sketch: each text's k smallest 8-gram hashes are looked up in one sorted array
of all (hash, doc) pairs; only docs sharing at least half of those anchors are compared exactly. Hashes are
computed from per-word CRC32 values with a polynomial rolling hash in numpy, so the result is
deterministic across runs (no Python ``hash`` randomisation).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"[a-z0-9']+")
_MASK = np.uint64((1 << 61) - 1)


@dataclass(frozen=True)
class DedupConfig:
    ngram: int = 8
    jaccard: float = 0.8
    containment: float = 0.8
    anchors: int = 8  # bottom-k sketch size
    max_posting: int = 200  # skip boilerplate 8-grams shared by very many posts


def exact_key(text: str) -> str:
    return hashlib.sha1(" ".join(_WORD.findall(text.lower())).encode()).hexdigest()


def shingles(text: str, n: int) -> np.ndarray:
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return np.zeros(0, dtype=np.uint64)
    w = np.array([zlib.crc32(x.encode()) for x in words], dtype=np.uint64)
    h = np.zeros(len(words) - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(n):  # h = sum w[j+i] * P^(n-1-i), wrapping in uint64
            h = h * np.uint64(1000003) + w[i : len(words) - n + 1 + i]
    return np.unique(h & _MASK)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:  # the smaller index (higher priority) becomes the root
            self.parent[max(ra, rb)] = min(ra, rb)


def duplicate_clusters(texts: list[str], cfg: DedupConfig = DedupConfig()) -> list[int]:
    """Return, for every text, the index of its cluster root (the earliest text of its duplicate set)."""
    n = len(texts)
    uf = _UnionFind(n)
    first_by_key: dict[str, int] = {}
    for i, t in enumerate(texts):
        k = exact_key(t)
        if k in first_by_key:
            uf.union(first_by_key[k], i)
        else:
            first_by_key[k] = i

    sh = [shingles(t, cfg.ngram) for t in texts]
    sizes = np.array([len(s) for s in sh])
    all_h = np.concatenate([s for s in sh if len(s)]) if sizes.sum() else np.zeros(0, np.uint64)
    all_d = np.repeat(np.arange(n), sizes)
    order = np.argsort(all_h, kind="stable")
    all_h, all_d = all_h[order], all_d[order]

    for i, s in enumerate(sh):
        if len(s) == 0:
            continue
        anchors = s[: cfg.anchors]  # np.unique sorted: the k smallest hashes
        lo = np.searchsorted(all_h, anchors, "left")
        hi = np.searchsorted(all_h, anchors, "right")
        cands: dict[int, int] = {}
        for a, b in zip(lo, hi):
            if b - a > cfg.max_posting:
                continue
            for d in all_d[a:b]:
                d = int(d)
                if d != i:
                    cands[d] = cands.get(d, 0) + 1
        need = max(1, (len(anchors) + 1) // 2)
        for d, hits in cands.items():
            if hits < need or uf.find(d) == uf.find(i):
                continue
            inter = len(np.intersect1d(s, sh[d], assume_unique=True))
            union = len(s) + len(sh[d]) - inter
            if inter / union >= cfg.jaccard or inter / min(len(s), len(sh[d])) >= cfg.containment:
                uf.union(i, d)
    return [uf.find(i) for i in range(n)]

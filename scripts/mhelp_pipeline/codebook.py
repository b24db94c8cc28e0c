"""The task codebook, read from ``src/engine/codebook.json`` (the single source of truth).

The label lists and their order are never copied into Python: the model's head sizes, the label
index of every training example and ``model.json`` all derive from this file, so the engine and the
pipeline cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .paths import CODEBOOK_JSON

SINGLE = "single_label"
MULTI = "multi_label"


@dataclass(frozen=True)
class Task:
    key: str
    kind: str  # "single_label" | "multi_label"
    labels: tuple[str, ...]
    primary: bool

    @property
    def n(self) -> int:
        return len(self.labels)

    def index(self, label: str) -> int:
        try:
            return self.labels.index(label)
        except ValueError as exc:  # a mapping table names a label the codebook lacks: fail loudly
            raise KeyError(f"{label!r} is not a label of task {self.key!r}") from exc


@dataclass(frozen=True)
class Codebook:
    version: str
    tasks: tuple[Task, ...]

    def task(self, key: str) -> Task:
        for t in self.tasks:
            if t.key == key:
                return t
        raise KeyError(f"unknown task {key!r}")

    @property
    def keys(self) -> list[str]:
        return [t.key for t in self.tasks]


def load_codebook(path: Path = CODEBOOK_JSON) -> Codebook:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    tasks = tuple(
        Task(key=t["key"], kind=t["kind"], labels=tuple(t["labels"]), primary=bool(t.get("primary", False)))
        for t in raw["tasks"]
    )
    for t in tasks:
        if t.kind not in (SINGLE, MULTI):
            raise ValueError(f"task {t.key}: unknown kind {t.kind}")
    return Codebook(version=str(raw["codebook_version"]), tasks=tasks)


@lru_cache(maxsize=1)
def codebook() -> Codebook:
    return load_codebook()

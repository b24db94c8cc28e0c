"""The task codebook, read from ``src/engine/codebook.json`` (the single source of truth), and the contract
constants that go with its tasks: which tasks are primary, the index of an unknown label, and the headline
metric of each primary task for each purpose it serves.

The label lists and their order are never copied into Python: the model's head sizes, the label
index of every training example and ``model.json`` all derive from this file, so the engine and the
pipeline cannot drift apart. The primary tasks (the three M-Help tasks) are the ones the file marks
``primary``; ``Codebook.primary`` lists them in codebook order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .paths import CODEBOOK_JSON

SINGLE = "single_label"
MULTI = "multi_label"

# The label value that marks "not known for this example" (also torch cross-entropy's ignore_index).
IGNORE = -100

# The headline metric of each primary task, by purpose (names as evaluate/metrics.issue_metrics writes them;
# an auxiliary head's headline is always its weighted F1, as MentaLLaMA reports them):
# - REPORTED_HEADLINE: the number every table, bootstrap interval and paired test is about. The M-Help paper
#   reports condition accuracy and causes macro-F1; help-seeking is judged by the F1 of "yes" (the issue's
#   target).
# - STABLE_HEADLINE: where a macro average would swing with a handful of rare cause labels: the ship-check
#   replacement rule (rare labels swing macro-F1 between two models) and per-slice intervals (inside one
#   source only one or two cause labels are known). Causes are judged by micro-F1 there.
# - SELECTION_METRIC (by task kind, every head): the dev score trainer.train selects its checkpoint by and the
#   training logs print: macro-F1 for single-label heads, micro-F1 for multi-label heads.
REPORTED_HEADLINE = {"help_seeking": "f1", "condition": "accuracy", "causes": "macro_f1"}
STABLE_HEADLINE = {"help_seeking": "f1", "condition": "accuracy", "causes": "micro_f1"}
AUXILIARY_HEADLINE = "weighted_f1"
SELECTION_METRIC = {SINGLE: "macro_f1", MULTI: "micro_f1"}


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

    @property
    def primary(self) -> tuple[str, ...]:
        """The primary tasks' keys (help_seeking, condition, causes), in codebook order."""
        return tuple(t.key for t in self.tasks if t.primary)

    def subset(self, keys) -> "Codebook":
        """The same codebook with only the tasks ``keys`` (codebook order kept)."""
        return Codebook(self.version, tuple(t for t in self.tasks if t.key in keys))


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


def reported_headline(task: Task) -> str:
    """The metric a table, interval or paired test reports for ``task`` (REPORTED_HEADLINE)."""
    return REPORTED_HEADLINE.get(task.key, AUXILIARY_HEADLINE)

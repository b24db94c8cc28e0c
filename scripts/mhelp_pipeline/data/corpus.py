"""Build the M-Help training corpus: read sources, deduplicate, group, split, cap, write, describe.

Output: ``build/corpus/{train,dev}.jsonl`` (one example per line: id, source, group, text, labels,
provenance) and ``reports/data-card.md`` (counts only, never text).

Leakage rules (MANIFEST caveats): duplicates across sources become one example (labels merged, the
higher-priority source keeps the text); every duplicate cluster and every author is one split group; the
split is a deterministic hash of the group key, so an author's posts, a Dreaddit post's segments and the
CAMS/IRF/MultiWD copies of one post all land on the same side.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..core.codebook import codebook
from ..core.paths import CORPUS_DIR, MANIFEST, RAW, REPORTS
from .dedup import DedupConfig, duplicate_clusters, exact_key
from .gold import load_gold
from .normalise import NORMALISATION_VERSION
from .sources import READERS, RawExample


@dataclass(frozen=True)
class CorpusConfig:
    dev_fraction: float = 0.15
    min_words: int = 4  # drop near-empty posts (titles only, "[removed]")
    seed: str = "mhelp-v1"  # salt of the split / sampling hashes
    # Per-source caps keep CPU training short; sampling is a deterministic hash of the example id.
    caps: dict[str, int] = field(
        default_factory=lambda: {
            "reddit": 3600, "kaggle-suicide": 1800, "sad": 2200, "epitome": 1200, "dreaddit": 2000,
            "cams": 2200, "irf": 1200, "multiwd": 1100, "sdcnl": 900, "counsel-chat": 800, "imhi-dr": 1200,
        }
    )
    sources: tuple[str, ...] = tuple(READERS)
    dedup: DedupConfig = DedupConfig()
    # The primary heads learn the codebook: only silver (codebook-labelled) posts carry their labels; the
    # weak primary labels of the other sources (source priors, forced causes) are dropped (issue 13).
    weak_primary_labels: bool = False


def _h(*parts: str) -> float:
    d = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(d[:8], "big") / 2**64


def _family(source: str) -> str:
    if source.startswith("silver/"):
        return "silver"
    return "reddit" if source.startswith("reddit-") else source


def _merge(into: RawExample, other: RawExample) -> None:
    """Take over labels for tasks `into` lacks (multi-label: labels it lacks) from a duplicate."""
    for task, value in other.labels.items():
        rule = f"{other.provenance.get(task, '?')} (via duplicate from {other.source})"
        if task not in into.labels:
            into.labels[task] = value
            into.provenance[task] = rule
        elif isinstance(value, dict):
            merged = dict(value)
            merged.update(into.labels[task])
            if merged != into.labels[task]:
                into.labels[task] = merged


def build(cfg: CorpusConfig = CorpusConfig(), out_dir: Path = CORPUS_DIR, data_card: bool = True) -> dict:
    """Build the corpus into ``out_dir``. ``cfg.caps = {}`` keeps every post (the distillation corpus: the
    split is a hash of each group, so every post lands on the same side as in the capped corpus)."""
    t0 = time.time()
    examples: list[RawExample] = []
    for name in cfg.sources:
        examples.extend(READERS[name](RAW, cfg.min_words))
    n_read = Counter(_family(e.source) for e in examples)

    gold = load_gold()
    gold_texts = [g["text"] for g in gold] if gold else []
    texts = gold_texts + [e.text for e in examples]  # gold first: it wins every cluster
    roots = duplicate_clusters(texts, cfg.dedup)
    g = len(gold_texts)
    gold_roots = {roots[i] for i in range(g)}

    kept: dict[int, RawExample] = {}
    members: dict[int, list[RawExample]] = defaultdict(list)
    removed = Counter()
    removed_gold = Counter()
    for j, ex in enumerate(examples):
        r = roots[g + j]
        if r in gold_roots:
            removed_gold[_family(ex.source)] += 1
            continue
        members[r].append(ex)
        if r not in kept:
            kept[r] = ex
        else:
            removed[_family(ex.source)] += 1
            _merge(kept[r], ex)

    # Group keys: a cluster joins the groups (authors, posts) of all its members.
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        parent.setdefault(k, k)
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    out: list[RawExample] = []
    for r, ex in kept.items():
        keys = [m.group for m in members[r] if m.group] or [f"text:{exact_key(ex.text)[:16]}"]
        for k in keys[1:]:
            a, b = find(keys[0]), find(k)
            if a != b:
                parent[max(a, b)] = min(a, b)
        ex.group = keys[0]
        out.append(ex)

    if not cfg.weak_primary_labels:
        primary = [t.key for t in codebook().tasks if t.primary]
        for ex in out:
            for task in primary:
                if ex.provenance.get(task) != "silver":
                    ex.labels.pop(task, None)
                    ex.provenance.pop(task, None)

    # Caps: deterministic sample per source family.
    by_family: dict[str, list[RawExample]] = defaultdict(list)
    for ex in out:
        by_family[_family(ex.source)].append(ex)
    capped: list[RawExample] = []
    for fam, exs in sorted(by_family.items()):
        exs.sort(key=lambda e: _h(cfg.seed, "cap", e.source, e.raw_id))
        capped.extend(exs[: cfg.caps.get(fam, len(exs))])

    splits: dict[str, list[dict]] = {"train": [], "dev": []}
    for ex in sorted(capped, key=lambda e: (e.source, e.raw_id)):
        split = "dev" if _h(cfg.seed, "split", find(ex.group)) < cfg.dev_fraction else "train"
        rec = {
            "id": hashlib.sha1(f"{ex.source}:{ex.raw_id}".encode()).hexdigest()[:16],
            "source": ex.source,
            "group": hashlib.sha1(find(ex.group).encode()).hexdigest()[:16],  # pseudonymous
            "text": ex.text,
            "labels": ex.labels,
            "provenance": ex.provenance,
        }
        splits[split].append(rec)

    out_dir.mkdir(parents=True, exist_ok=True)
    for split, recs in splits.items():
        with open(out_dir / f"{split}.jsonl", "w", encoding="utf-8") as fh:
            for rec in recs:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    stats = {
        "read": dict(n_read), "duplicates_removed": dict(removed), "gold_overlap_removed": dict(removed_gold),
        "gold_present": gold is not None, "seconds": round(time.time() - t0, 1), "config": asdict(cfg),
    }
    (out_dir / "stats.json").write_text(json.dumps(stats, indent=2))
    if data_card:
        write_data_card(splits, stats)
    return stats


# --- data card ------------------------------------------------------------------------------------------


def _licences() -> list[tuple[str, str, str]]:
    rows = []
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`") and "gold" not in cells[0]:
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def _kind(rule: str) -> str:
    rule = rule.split(" (via")[0]
    if rule == "gold":
        return "gold (dataset annotation)"
    if rule.startswith("weak:") or rule.startswith("prior:"):
        return "weak (source/subreddit/topic)"
    return "heuristic (lexical rule)"


def write_data_card(splits: dict[str, list[dict]], stats: dict) -> None:
    cb = codebook()
    L: list[str] = []
    L.append("# Data card: M-Help training corpus\n")
    L.append("Generated by `python -m mhelp_pipeline build-corpus` (scripts/mhelp_pipeline/corpus.py). Counts only; "
             "no text is reproduced here. Texts are normalised (normalisation version "
             f"{NORMALISATION_VERSION}: URLs, e-mails, usernames, phones and IPs replaced by placeholders).\n")
    gold_line = ("present: its texts were removed from the corpus" if stats["gold_present"]
                 else "absent on the build machine: no gold labels were used; all dev metrics are weak-label metrics")
    L.append(f"- Gold dev set (`gold/dev.jsonl`): {gold_line}.")
    L.append(f"- Examples: train {len(splits['train'])}, dev {len(splits['dev'])}. Split: deterministic hash of "
             "the group key (author, post id, counsel-chat question, or duplicate cluster), ~"
             f"{stats['config']['dev_fraction']:.0%} dev.")
    L.append("- Duplicates (exact normalised text, or word-8-gram Jaccard/containment >= 0.8) are merged into one "
             "example; the first source in priority order keeps the text and inherits the other's labels.\n")
    L.append("## Examples per source\n")
    L.append("| source | read | duplicates removed | train | dev |\n|---|---:|---:|---:|---:|")
    per = {s: Counter(_family(r["source"]) for r in recs) for s, recs in splits.items()}
    for fam in sorted(stats["read"]):
        L.append(f"| {fam} | {stats['read'][fam]} | {stats['duplicates_removed'].get(fam, 0)} | "
                 f"{per['train'].get(fam, 0)} | {per['dev'].get(fam, 0)} |")
    L.append("\n## Labels per task and split\n")
    L.append("Multi-label tasks: `pos/known` = examples with the label set to 1 / examples where that label is known.\n")
    for t in cb.tasks:
        L.append(f"### `{t.key}` ({t.kind})\n")
        L.append("| label | train | dev |\n|---|---:|---:|")
        for label in t.labels:
            cells = []
            for s in ("train", "dev"):
                if t.kind == "single_label":
                    cells.append(str(sum(1 for r in splits[s] if r["labels"].get(t.key) == label)))
                else:
                    known = [r["labels"][t.key][label] for r in splits[s] if label in r["labels"].get(t.key, {})]
                    cells.append(f"{sum(known)}/{len(known)}")
            L.append(f"| {label} | {cells[0]} | {cells[1]} |")
        n_lab = {s: sum(1 for r in splits[s] if t.key in r["labels"]) for s in splits}
        L.append(f"| *(examples labelled)* | {n_lab['train']} | {n_lab['dev']} |\n")
        rules = Counter()
        kinds = Counter()
        for recs in splits.values():
            for r in recs:
                if t.key in r["provenance"]:
                    rule = r["provenance"][t.key]
                    labelled = t.key in r["labels"]
                    rules[(rule.split(" (via")[0], labelled)] += 1
                    if labelled:
                        kinds[_kind(rule)] += 1
        L.append("How labels were obtained: " + ", ".join(f"{k}: {v}" for k, v in kinds.most_common()) + ".\n")
        L.append("| rule | labelled | examples |\n|---|---|---:|")
        for (rule, labelled), c in sorted(rules.items(), key=lambda kv: -kv[1]):
            L.append(f"| `{rule}` | {'yes' if labelled else 'no (left missing)'} | {c} |")
        L.append("")
    L.append("## Sources and licences (from ../shared/data/MANIFEST.md)\n")
    L.append("| path | source | licence as stated |\n|---|---|---|")
    for p, src, lic in _licences():
        L.append(f"| {p} | {src} | {lic} |")
    L.append("\nMost licences allow research use only, several state none: the shipped model is a research "
             "prototype. ESConv is not used.\n")
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "data-card.md").write_text("\n".join(L) + "\n", encoding="utf-8")


# --- the `build-corpus` command ----------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-caps", action="store_true", help="keep every post (no per-source caps), e.g. the "
                   "distillation corpus")
    p.add_argument("--corpus-dir", default=None,
                   help="output folder (default build/corpus; only that one gets the data card)")


def run(args: argparse.Namespace) -> None:
    cfg = replace(CorpusConfig(), caps={}) if args.no_caps else CorpusConfig()
    out = Path(args.corpus_dir) if args.corpus_dir else CORPUS_DIR
    stats = build(cfg, out_dir=out, data_card=out == CORPUS_DIR)
    print(json.dumps({k: v for k, v in stats.items() if k != "config"}, indent=2))

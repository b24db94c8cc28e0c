"""The corpus gives the primary heads codebook labels only (silver posts), keeps gold posts out, and puts
each post on the same side of the split whatever the caps. Real ../shared data (silver + Counsel Chat)."""

import json

from mhelp_pipeline.core.codebook import codebook
from mhelp_pipeline.data.corpus import CorpusConfig, build

PRIMARY = codebook().primary


def _read(d, split):
    return [json.loads(line) for line in (d / f"{split}.jsonl").open(encoding="utf-8")]


def test_primary_labels_come_from_silver_only(tmp_path):
    small = CorpusConfig(sources=("silver", "counsel-chat"), caps={"silver": 600, "counsel-chat": 200})
    stats = build(small, out_dir=tmp_path / "capped", data_card=False)
    assert stats["gold_present"] and sum(stats["gold_overlap_removed"].values()) > 0  # gold posts stay out
    recs = _read(tmp_path / "capped", "train") + _read(tmp_path / "capped", "dev")
    silver = [r for r in recs if r["source"].startswith("silver/")]
    other = [r for r in recs if not r["source"].startswith("silver/")]
    assert len(silver) == 600 and len(other) == 200
    for r in silver:  # complete codebook labels: every cause known
        assert all(r["provenance"][t] == "silver" for t in PRIMARY)
        assert set(r["labels"]["causes"]) == set(codebook().task("causes").labels)
    for r in other:  # Counsel Chat's "every question asks for help" prior is not a codebook label
        assert not any(t in r["labels"] for t in PRIMARY)
    # the distillation corpus (no caps) keeps every post on the side it has in the capped corpus
    build(CorpusConfig(sources=("silver", "counsel-chat"), caps={}), out_dir=tmp_path / "all", data_card=False)
    side = {r["id"]: s for s in ("train", "dev") for r in _read(tmp_path / "all", s)}
    for s in ("train", "dev"):
        assert all(side[r["id"]] == s for r in _read(tmp_path / "capped", s))
    assert len(side) > len(recs)


def test_weak_primary_labels_can_be_kept(tmp_path):
    cfg = CorpusConfig(sources=("counsel-chat",), caps={"counsel-chat": 100}, weak_primary_labels=True)
    build(cfg, out_dir=tmp_path, data_card=False)
    recs = _read(tmp_path, "train") + _read(tmp_path, "dev")
    assert recs and all(r["labels"].get("help_seeking") == "yes" for r in recs)

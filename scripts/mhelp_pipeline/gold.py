"""The project's gold dev set (``<shared>/data/gold/dev.jsonl``), used when present.

It is optional: on machines without it the pipeline calibrates and reports on the weak dev split only,
and says so in model.json. When present, gold texts are removed from the training corpus (dedup) and
the gold metrics are reported next to the weak ones.
"""

from __future__ import annotations

import json
from pathlib import Path

from .normalise import normalise
from .paths import GOLD_DEV


def load_gold(path: Path = GOLD_DEV) -> list[dict] | None:
    if not path.exists():
        return None
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        labels = {"help_seeking": r["help_seeking"], "condition": r["condition"]}
        causes = r.get("causes") or []
        from .codebook import codebook

        labels["causes"] = {c: int(c in causes) for c in codebook().task("causes").labels}
        out.append({"text": normalise(r["text"]), "labels": labels, "source": r.get("source", "gold")})
    return out

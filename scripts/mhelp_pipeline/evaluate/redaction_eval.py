"""Redaction evaluator: precision and recall of each placeholder class on ``test/fixtures/redaction-eval.json``.

Two sets: ``tuned`` (the rules were adjusted while reading its failures) and ``holdout``
(``test/fixtures/redaction-eval-holdout.json``, written independently and never used to adjust a rule: its
numbers are the honest ones). Primary metric: recall of [NAME] (the class the lexicon and context rules are for), with precision beside it;
every class is reported. The evaluation set was written for the tests (no real posts): each case has an input
and the output a careful human redactor would give. Scoring aligns the tokens of the expected and the actual
output (difflib): a placeholder present at the same place in both is a true positive, one only in the actual
output a false positive (text that should have stayed), one only in the expected output a false negative (an
identifier let through). "none" cases must come back unchanged; any placeholder there is a false positive.

The normalised output of every case is recorded in the report, and ``test/engine/redaction-eval.test.ts``
checks that the TypeScript engine gives exactly the same outputs (training and serving cannot drift apart).

Run: ``python -m mhelp_pipeline redaction-eval`` -> ``reports/redaction-eval.json``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter

from ..data.normalise import NORMALISATION_VERSION, normalise
from ..core.paths import REDACTION_EVAL_SETS, REPORTS

PLACEHOLDERS = ("NAME", "USER", "EMAIL", "URL", "PHONE", "IP")
PRIMARY_METRIC = "name_recall"
_TOKEN = re.compile(r"\[(?:NAME|USER|EMAIL|URL|PHONE|IP)\]|[^ \[]+|\[")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _placeholder(token: str) -> str | None:
    return token[1:-1] if token.startswith("[") and token.endswith("]") and token[1:-1] in PLACEHOLDERS else None


def score_case(expected: str, actual: str) -> dict[str, Counter]:
    """True positives, false positives and false negatives per placeholder class for one case."""
    e, a = _tokens(expected), _tokens(actual)
    counts = {"tp": Counter(), "fp": Counter(), "fn": Counter()}
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=e, b=a, autojunk=False).get_opcodes():
        if op == "equal":
            for t in e[i1:i2]:
                if (p := _placeholder(t)):
                    counts["tp"][p] += 1
            continue
        for t in e[i1:i2]:
            if (p := _placeholder(t)):
                counts["fn"][p] += 1
        for t in a[j1:j2]:
            if (p := _placeholder(t)):
                counts["fp"][p] += 1
    return counts


def evaluate(cases: list[dict]) -> dict:
    totals = {"tp": Counter(), "fp": Counter(), "fn": Counter()}
    outputs = []
    failures: Counter = Counter()
    for c in cases:
        actual = normalise(c["input"])
        outputs.append({"id": c["id"], "output": actual})
        counts = score_case(c["expected"], actual)
        for k in totals:
            totals[k].update(counts[k])
        if actual != c["expected"]:
            failures[c["class"]] += 1
    per_class = {}
    for p in PLACEHOLDERS:
        tp, fp, fn = totals["tp"][p], totals["fp"][p], totals["fn"][p]
        if tp + fp + fn == 0:
            continue
        per_class[p.lower()] = {
            "tp": tp, "fp": fp, "fn": fn,
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        }
    by_class = Counter(c["class"] for c in cases)
    return {
        PRIMARY_METRIC: per_class.get("name", {}).get("recall"),
        "cases": dict(by_class),
        "cases_exactly_right": {k: by_class[k] - failures[k] for k in sorted(by_class)},
        "none_cases_changed": failures["none"],
        "per_class": per_class,
        "outputs": outputs,
    }


def redaction_eval() -> dict:
    """Score both evaluation sets and write reports/redaction-eval.json."""
    result = {
        "normalisation_version": NORMALISATION_VERSION,
        "primary_metric": PRIMARY_METRIC,
        "sets": {name: evaluate(json.loads(path.read_text("utf-8"))["cases"])
                 for name, path in REDACTION_EVAL_SETS.items()},
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "redaction-eval.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return result


# --- the `redaction-eval` command --------------------------------------------------------------------------------

def add_arguments(p) -> None:
    """No options: both sets of REDACTION_EVAL_SETS."""


def run(args) -> None:
    res = redaction_eval()
    for name, r in res["sets"].items():
        print(name, json.dumps({k: v for k, v in r.items() if k != "outputs"}))

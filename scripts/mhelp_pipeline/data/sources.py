"""Readers for the raw public datasets (../shared/data/raw, described in MANIFEST.md).

Each reader yields ``RawExample`` records in the codebook's schema: labels only for the tasks the source
says something about, and for each label the rule that produced it (``gold`` = the dataset's own human
annotation of that task, ``weak:…`` = mapped from a source-level fact such as the subreddit, ``cue:…``/
``lexicon:…`` = a lexical rule from weak_labels.py). Mapping tables here translate *dataset* label names
to codebook labels; they are checked against codebook.json when used, so a renamed label fails loudly.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from . import weak_labels as wl
from ..core.codebook import codebook
from .normalise import normalise

csv.field_size_limit(1 << 30)


@dataclass
class RawExample:
    source: str
    raw_id: str
    group: str  # split key: author, post id or (filled later) the text hash
    text: str  # normalised
    labels: dict = field(default_factory=dict)  # task -> label (single) | {label: 0/1} (multi, partial)
    provenance: dict = field(default_factory=dict)  # task -> rule name

    def set(self, task: str, value, rule: str) -> None:
        t = codebook().task(task)
        if t.kind == "single_label":
            t.index(value)
        else:
            for k in value:
                t.index(k)
        self.labels[task] = value
        self.provenance[task] = rule


def _rows(path: Path) -> Iterator[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _all_causes_zero() -> dict[str, int]:
    return {label: 0 for label in codebook().task("causes").labels}


def _add_help(ex: RawExample, prior: wl.HelpPrior) -> None:
    label, rule = wl.help_seeking(ex.text, prior)
    if label is not None:
        ex.set("help_seeking", label, rule)
    else:
        ex.provenance["help_seeking"] = rule  # kept so the data card can count unlabelled reasons


def _add_lexical_causes(ex: RawExample) -> None:
    found = wl.causes_from_lexicon(ex.text)
    if found and "causes" not in ex.labels:
        ex.set("causes", found, "lexicon:positive-only")


def _add_condition(ex: RawExample, weak: str | None, rule: str) -> None:
    """Subreddit-level condition, with the codebook priority: suicidal wins when present."""
    if weak is not None and weak != "none" and weak != "suicidal" and wl.is_suicidal(ex.text):
        ex.set("condition", "suicidal", "lexicon:suicidal-overrides-source")
    elif weak is not None:
        ex.set("condition", weak, rule)
    else:
        label, lrule = wl.condition_from_lexicon(ex.text)
        if label is not None:
            ex.set("condition", label, lrule)


# --- Reddit subreddit dumps -----------------------------------------------------------------------------

_SUBREDDIT_CONDITION = {"depression": "depression", "suicidewatch": "suicidal", "casualconversation": "none"}
_PLACEHOLDERS = {"[removed]", "[deleted]"}


def reddit_subreddits(raw: Path, min_words: int) -> Iterator[RawExample]:
    for path in sorted((raw / "reddit-subreddits").glob("r_*.csv")):
        sub = path.stem[2:].lower()
        for r in _rows(path):
            if r.get("is_mod"):  # moderator announcements are not posts by people in need
                continue
            body = "" if r["body"].strip() in _PLACEHOLDERS else r["body"]
            text = normalise(f"{r['title']}\n{body}")
            if len(text.split()) < min_words:
                continue
            author = r["author"] or f"post:{r['id']}"
            ex = RawExample(f"reddit-{sub}", r["id"], f"author:{author}", text)
            if sub == "casualconversation":
                ex.set("condition", "none", "weak:subreddit")
                ex.set("help_seeking", "no", "prior:no-wellbeing-source")
                ex.set("causes", _all_causes_zero(), "weak:no-concern-source")
            else:
                _add_condition(ex, _SUBREDDIT_CONDITION.get(sub), "weak:subreddit")
                _add_help(ex, wl.HelpPrior())
                _add_lexical_causes(ex)
            yield ex


def kaggle_suicide(raw: Path, min_words: int) -> Iterator[RawExample]:
    for i, r in enumerate(_rows(raw / "kaggle-suicide-detection" / "Suicide_Detection.csv")):
        text = normalise(r["text"])
        if len(text.split()) < min_words:
            continue
        ex = RawExample("kaggle-suicide", str(r.get("") or i), "", text)
        if r["class"] == "suicide":
            ex.set("condition", "suicidal", "weak:subreddit")
            _add_help(ex, wl.HelpPrior())
            _add_lexical_causes(ex)
        else:  # r/teenagers: not a mental-health forum; its questions are unrelated to well-being
            ex.set("condition", "none", "weak:subreddit")
            ex.set("help_seeking", "no", "prior:no-wellbeing-source")
        yield ex


def sdcnl(raw: Path, min_words: int) -> Iterator[RawExample]:
    for i, r in enumerate(_rows(raw / "sdcnl" / "training-set.csv")):
        text = normalise(f"{r['title']}\n{r['selftext']}")
        if len(text.split()) < min_words:
            continue
        author = r["author"] if r["author"].startswith("u_") else ""
        ex = RawExample("sdcnl", str(i), f"author:{author}" if author else "", text)
        _add_condition(ex, "suicidal" if r["is_suicide"] == "1" else "depression", "weak:subreddit")
        _add_help(ex, wl.HelpPrior())
        _add_lexical_causes(ex)
        yield ex


# --- Dreaddit -------------------------------------------------------------------------------------------

_DREADDIT_CAUSE = {
    "domesticviolence": "abuse", "survivorsofabuse": "abuse", "homeless": "financial", "almosthomeless": "financial",
    "assistance": "financial", "food_pantry": "financial", "relationships": "relationship",
}
_DREADDIT_CONDITION = {"ptsd": "trauma", "anxiety": "anxiety"}


def dreaddit(raw: Path, min_words: int) -> Iterator[RawExample]:
    for r in _rows(raw / "dreaddit" / "dreaddit-train.csv"):
        text = normalise(r["text"])
        if len(text.split()) < min_words:
            continue
        ex = RawExample("dreaddit", r["id"], f"post:dreaddit:{r['post_id']}", text)
        ex.set("dreaddit_stress", "yes" if r["label"] == "1" else "no", "gold")
        if r["subreddit"] in _DREADDIT_CAUSE:
            ex.set("causes", {_DREADDIT_CAUSE[r["subreddit"]]: 1}, "weak:subreddit-positive-only")
        cond = _DREADDIT_CONDITION.get(r["subreddit"])
        if cond:
            _add_condition(ex, cond, "weak:subreddit")
        # Segments are 5-sentence windows of a post: a missing "?" says nothing about the whole post.
        _add_help(ex, wl.HelpPrior(use_no_question=False))
        yield ex


# --- CAMS -----------------------------------------------------------------------------------------------

# CAMS 0-5 -> aux label (codebook order is the CAMS order, asserted) and the unambiguous codebook causes.
# 2 (jobs and careers -> work or school) and 4 (relationship -> relationship/family/social) are ambiguous
# for `causes` and only supervise the auxiliary head.
_CAMS_TO_CAUSES = {0: "__none__", 1: "abuse", 3: "health", 5: "social"}


def cams(raw: Path, min_words: int) -> Iterator[RawExample]:
    aux = codebook().task("cams_cause")
    for fname, col in (("added_CAMS_data.csv", "cause"), ("IntentSDCNL_Training.csv", "ANNOTATIONS")):
        for i, r in enumerate(_rows(raw / "cams" / fname)):
            value = r[col].strip()
            if value == "":
                continue
            code = int(float(value))
            text = normalise(r["selftext"])
            if len(text.split()) < min_words:
                continue
            ex = RawExample("cams", f"{fname}:{i}", "", text)
            ex.set("cams_cause", aux.labels[code], "gold")
            mapped = _CAMS_TO_CAUSES.get(code)
            if mapped == "__none__":
                ex.set("causes", _all_causes_zero(), "weak:cams-none")
            elif mapped:
                ex.set("causes", {mapped: 1}, "weak:cams-mapping-positive-only")
            yield ex


# --- SAD ------------------------------------------------------------------------------------------------

_SAD_AUX = {
    "School": "school", "Financial Problem": "financial problem", "Family Issues": "family issues",
    "Social Relationships": "social relationships", "Work": "work",
    "Health, Fatigue, or Physical Pain": "health issues", "Emotional Turmoil": "emotional turmoil",
    "Everyday Decision Making": "everyday decision making", "Other": "other causes",
}
_SAD_TO_CAUSES = {
    "School": "school", "Financial Problem": "financial", "Family Issues": "family", "Work": "work",
    "Health, Fatigue, or Physical Pain": "health",
}


def sad(raw: Path, min_words: int) -> Iterator[RawExample]:
    for r in _rows(raw / "sad" / "SAD_v1.csv"):
        text = normalise(r["sentence"])
        if not text:
            continue
        ex = RawExample("sad", r["sID"], "", text)
        ex.set("sad_cause", _SAD_AUX[r["top_label"]], "gold")
        if r["top_label"] in _SAD_TO_CAUSES:
            # A one-sentence stressor names one cause: the other causes are taken as absent (heuristic).
            causes = _all_causes_zero()
            causes[_SAD_TO_CAUSES[r["top_label"]]] = 1
            ex.set("causes", causes, "weak:sad-mapping-one-sentence")
        yield ex


# --- IRF, MultiWD ---------------------------------------------------------------------------------------


def irf(raw: Path, min_words: int) -> Iterator[RawExample]:
    labels = codebook().task("irf").labels  # order: thwarted belongingness, perceived burdensomeness
    for fname in ("train_data.csv", "val_data.csv"):
        for r in _rows(raw / "irf" / fname):
            text = normalise(r["text"])
            if len(text.split()) < min_words:
                continue
            ex = RawExample("irf", f"{fname}:{r['Unnamed: 0']}", "", text)
            ex.set("irf", {labels[0]: int(r["belong"]), labels[1]: int(r["burden"])}, "gold")
            yield ex


def multiwd(raw: Path, min_words: int) -> Iterator[RawExample]:
    labels = codebook().task("multiwd").labels
    for i, r in enumerate(_rows(raw / "multiwd" / "train_data.csv")):
        text = normalise(r["text"])
        if len(text.split()) < min_words:
            continue
        ex = RawExample("multiwd", str(i), "", text)
        ex.set("multiwd", {label: int(r[label.capitalize()]) for label in labels}, "gold")
        yield ex


# --- IMHI DR --------------------------------------------------------------------------------------------


def imhi_label(response: str) -> str:
    """IMHI's label is the first word(s) of ``response`` before "." (the ChatGPT reasoning is discarded)."""
    head = response.strip().split(".")[0].strip().lower()
    return head.split(",")[0].strip()


def imhi_dr(raw: Path, min_words: int) -> Iterator[RawExample]:
    for fname in ("reddit_train.csv", "reddit_valid.csv"):
        for i, r in enumerate(_rows(raw / "imhi-train" / "DR" / fname)):
            post = r["post"].removeprefix("Post: ")
            label = imhi_label(r["response"])
            if label not in ("yes", "no"):
                continue
            text = normalise(post)
            if len(text.split()) < min_words:
                continue
            ex = RawExample("imhi-dr", f"{fname}:{i}", "", text)
            ex.set("dr_depression", label, "gold")
            yield ex


# --- counsel-chat, EPITOME ------------------------------------------------------------------------------

_COUNSEL_CONDITION = {
    "depression": "depression", "anxiety": "anxiety", "trauma": "trauma", "substance-abuse": "substance",
    "addiction": "substance", "eating-disorders": "eating", "self-harm": "suicidal", "stress": "distress",
    "grief-and-loss": "distress", "sleep-improvement": "other",
}
_COUNSEL_CAUSE = {
    "relationships": "relationship", "intimacy": "relationship", "relationship-dissolution": "relationship",
    "marriage": "relationship", "parenting": "family", "family-conflict": "family",
    "workplace-relationships": "work", "domestic-violence": "abuse", "grief-and-loss": "grief",
    "social-relationships": "social", "legal-regulatory": "other",
}


def silver(raw: Path, min_words: int) -> Iterator[RawExample]:
    """Silver posts (../shared/data/silver/silver.jsonl): one annotator each, following the codebook, for
    the three primary heads. Every label is complete: causes lists all chosen labels, the rest are 0."""
    path = raw.parent / "silver" / "silver.jsonl"
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            text = normalise(r["text"])
            if len(text.split()) < min_words:
                continue
            ex = RawExample(f"silver/{r['source']}", r["id"], f"silver:{r['id']}", text)
            ex.set("help_seeking", r["help_seeking"], "silver")
            ex.set("condition", r["condition"], "silver")
            ex.set("causes", {**_all_causes_zero(), **{c: 1 for c in r["causes"]}}, "silver")
            yield ex


def counsel_chat(raw: Path, min_words: int) -> Iterator[RawExample]:
    seen: set[str] = set()
    for r in _rows(raw / "counsel-chat" / "20200325_counsel_chat.csv"):
        qid = r["questionID"]
        if qid in seen:  # one row per therapist answer; keep each question once
            continue
        seen.add(qid)
        text = normalise(f"{r['questionTitle']}\n{r['questionText']}")
        if len(text.split()) < min_words:
            continue
        ex = RawExample("counsel-chat", qid, f"question:{qid}", text)
        ex.set("help_seeking", "yes", "prior:yes")  # every question asks a therapist for help
        topic = r["topic"]
        if topic in _COUNSEL_CONDITION:
            _add_condition(ex, _COUNSEL_CONDITION[topic], "weak:topic")
        if topic in _COUNSEL_CAUSE:
            ex.set("causes", {_COUNSEL_CAUSE[topic]: 1}, "weak:topic-positive-only")
        yield ex


def epitome(raw: Path, min_words: int) -> Iterator[RawExample]:
    seen: set[str] = set()
    for path in sorted((raw / "epitome-reddit").glob("*.csv")):
        for r in _rows(path):
            if r["sp_id"] in seen:
                continue
            seen.add(r["sp_id"])
            text = normalise(r["seeker_post"])
            if len(text.split()) < min_words:
                continue
            ex = RawExample("epitome", r["sp_id"], f"post:epitome:{r['sp_id']}", text)
            # "Support-seeking" posts: cues first, else the source prior yes (not verified per post) but only
            # for posts that ask something ("?"): without it they read like venting, which the codebook
            # labels "no", and a blanket "yes" contradicted the no-request rule used for Reddit posts.
            _add_help(ex, wl.HelpPrior(default="yes" if "?" in text else None, use_no_question=False))
            label, rule = wl.condition_from_lexicon(text)
            if label is not None:
                ex.set("condition", label, rule)
            yield ex


READERS: dict[str, Callable[[Path, int], Iterator[RawExample]]] = {
    "silver": silver,
    "cams": cams,
    "irf": irf,
    "multiwd": multiwd,
    "dreaddit": dreaddit,
    "sad": sad,
    "sdcnl": sdcnl,
    "reddit": reddit_subreddits,
    "kaggle-suicide": kaggle_suicide,
    "counsel-chat": counsel_chat,
    "epitome": epitome,
    "imhi-dr": imhi_dr,
}
"""Reader order is the dedup priority: when two sources hold the same post, the first keeps it and
takes over the other's labels for tasks it lacks (so CAMS/IRF/MultiWD/IMHI copies become one example)."""

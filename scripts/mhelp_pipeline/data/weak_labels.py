"""Transparent weak labelling rules.

No gold ``help_seeking`` labels exist in the raw data, and most sources give ``condition``/``causes`` only
through their subreddit or topic. These rules turn source priors and a few lexical cues into labels. Every
rule returns the name it used; the corpus stores that name per example and task (label provenance), so
the data card can count how each label was obtained and a bad rule can be found and removed.

The cue lists follow ../shared/CODEBOOK.md: a *request* is an explicit ask to readers ("any advice",
"what should I do", "can someone", ...), "I don't know what to do" counts only when it closes the post,
and venting/update/gratitude posts are ``no``. Rules are deliberately conservative: when cues conflict or
are absent and the text still asks something, the label is left missing rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- help_seeking ---------------------------------------------------------------------------------------

_REQUEST = re.compile(
    r"\b("
    r"any (advice|tips|suggestions|ideas|help|thoughts)"
    r"|(need|want|looking for|appreciate) (some |any )?(advice|help|tips|suggestions|support|guidance)"
    r"|advice (please|needed|would be)"
    r"|what (should|do|can|would) i do"
    r"|what (should|can) i (say|try)"
    r"|(can|could|would|will) (someone|anyone|somebody|anybody|you guys|you)\b[^.?!]{0,60}"
    r"(help|talk|tell|give|advise|explain|recommend|listen)"
    r"|how (do|can|should) i\b"
    r"|please help|help me\b|i need help|need someone to talk"
    r"|should i\b"
    r"|(has|does|did|is) (anyone|anybody|someone) (else )?(ever |else )?"
    r"(have|had|dealt|experienced|know|been|felt|feel|gone|tried|get|got)"
    r"|is (this|it|that) normal"
    r"|where (can|do|should) i (find|get|go|start)"
    r"|how to (deal|cope|stop|get|handle|find|talk|tell|overcome|manage)"
    r"|what can i do|give me a reason"
    r")",
    re.IGNORECASE,
)
# "I don't know what to do" counts only near the end of the post (codebook ruling v1.1).
_CLOSING_HELPLESS = re.compile(r"(don'?t|do not|dont) know what (else )?to do", re.IGNORECASE)
_VENT = re.compile(
    r"\b("
    r"just (need(ed)? to |want(ed)? to )?vent(ing)?|vent post|rant\b|\[vent\]"
    r"|off my chest|not looking for (advice|help|anything)"
    r"|(just )?wanted (someone|somebody|people) to know|just wanted to (share|say|tell)"
    r"|^update\b|\bupdate:|thank (you|u) (all|everyone|so much|guys)|thanks (all|everyone|guys)"
    r"|\d+ (days|weeks|months|years) (sober|clean)|milestone"
    r")",
    re.IGNORECASE,
)
_READERS_WORDS = re.compile(r"\b(you|anyone|anybody|someone|somebody|guys|reddit|y'?all|people here)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.?!])")


def _asks_readers(text: str) -> bool:
    # Split on sentence ends (linear time) instead of one backtracking regex over the whole post.
    return any(s.rstrip().endswith("?") and _READERS_WORDS.search(s) for s in _SENTENCE_END.split(text))


@dataclass(frozen=True)
class HelpPrior:
    """How a source's help_seeking label is decided.

    ``force``: the source fixes the label ("yes"/"no") whatever the cues say.
    ``default``: label used when no cue fires (None: leave missing).
    ``use_no_question``: a full post without any "?" and without a request cue is labelled "no".
    """

    force: str | None = None
    default: str | None = None
    use_no_question: bool = True


def help_seeking(text: str, prior: HelpPrior) -> tuple[str | None, str]:
    """Return (label or None, rule name)."""
    if prior.force is not None:
        return prior.force, f"prior:{prior.force}"
    request = _REQUEST.search(text) is not None
    tail = text[-200:]
    closing = _CLOSING_HELPLESS.search(tail) is not None
    vent = _VENT.search(text) is not None
    if vent and not (request or closing):
        return "no", "cue:vent-or-update"
    if vent and (request or closing):
        return None, "conflict:vent+request"
    if request:
        return "yes", "cue:request"
    if closing:
        return "yes", "cue:closing-dont-know-what-to-do"
    if _asks_readers(text):
        return "yes", "cue:question-to-readers"
    if prior.default is not None:
        return prior.default, f"prior:{prior.default}"
    if "?" not in text:
        if prior.use_no_question:
            return "no", "cue:no-question-no-request"
        return None, "unknown:no-cue-in-segment-or-excerpt"
    return None, "unknown:question-without-cue"


# --- condition ------------------------------------------------------------------------------------------

# Suicidal wins whenever present (codebook priority); phrases avoid idioms such as "this will kill me".
_SUICIDAL = re.compile(
    r"\b(suicid\w*|kill(ing)? myself|end(ing)? (my|it) (life|all)|take my (own )?life|want(ed)? to die"
    r"|wish i (was|were) dead|wish i could (just )?(die|disappear|not wake up)|better off dead"
    r"|self[- ]?harm\w*|cut(ting)? myself|overdos\w+|not (want|wanting) to (live|be alive))\b",
    re.IGNORECASE,
)
# Other named conditions: a post is given one only when exactly one family of terms matches.
_CONDITION_TERMS: dict[str, re.Pattern[str]] = {
    "bipolar": re.compile(r"\b(bipolar|manic|mania|hypomani\w*)\b", re.I),
    "eating": re.compile(r"\b(anorexi\w*|bulimi\w*|binge eat\w*|eating disorder|purging|body dysmorphi\w*)\b", re.I),
    "substance": re.compile(
        r"\b(alcoholi\w*|addict\w*|sober|sobriety|relapsed?|drinking problem|gambling|heroin|cocaine|meth\b)", re.I
    ),
    "neurodevelopmental": re.compile(r"\b(adhd|add\b|autism|autistic|asperger\w*)\b", re.I),
    "trauma": re.compile(r"\b(ptsd|c-?ptsd|flashbacks?|traumati[sz]ed)\b", re.I),
    "other": re.compile(
        r"\b(ocd|psychosis|psychotic|schizophreni\w*|bpd|borderline personality|dissociat\w*|insomnia)\b", re.I
    ),
    "anxiety": re.compile(r"\b(anxiety|anxious|panic attacks?)\b", re.I),
    "depression": re.compile(r"\b(depression|depressed|depressive)\b", re.I),
}


def is_suicidal(text: str) -> bool:
    return _SUICIDAL.search(text) is not None


def condition_from_lexicon(text: str) -> tuple[str | None, str]:
    """Condition for posts from general mental-health sources (no subreddit-level condition)."""
    if is_suicidal(text):
        return "suicidal", "lexicon:suicidal"
    hits = [label for label, pat in _CONDITION_TERMS.items() if pat.search(text)]
    if len(hits) == 1:
        return hits[0], f"lexicon:{hits[0]}"
    return None, "unknown:no-or-several-condition-terms"


# --- causes ---------------------------------------------------------------------------------------------

# Positive-only cues: a match sets that cause to 1 and leaves the others missing (absence of a term is
# not evidence of absence of a cause).
_CAUSE_TERMS: dict[str, re.Pattern[str]] = {
    "relationship": re.compile(
        r"\b(my (ex|boyfriend|girlfriend|bf|gf|husband|wife|partner|fianc\w*)|broke up|break ?up|divorce\w*|cheated)\b",
        re.I,
    ),
    "family": re.compile(r"\b(my (mom|mum|dad|mother|father|parents|sister|brother|family|son|daughter))\b", re.I),
    "work": re.compile(r"\b(my (job|boss|coworkers?|manager)|got fired|unemployed|laid off|lost my job)\b", re.I),
    "school": re.compile(r"\b(exams?|my grades|college|university|high school|my classes|homework)\b", re.I),
    "financial": re.compile(r"\b(debt|can'?t afford|rent|bills|homeless|evicted|broke\b|money)\b", re.I),
    "abuse": re.compile(r"\b(abused|abusive|abuse|raped|rape|molested|bullied|bullying|assaulted|harass\w*)\b", re.I),
    "grief": re.compile(r"\b(passed away|funeral|died|death of my|lost my (mom|dad|mother|father|son|daughter|dog|cat))\b", re.I),
    "health": re.compile(r"\b(chronic (pain|illness)|cancer|diagnosed with|surgery|side effects?|pregnan\w*|disabilit\w*)\b", re.I),
    "social": re.compile(r"\b(no friends|lonely|loneliness|isolated|nobody talks to me|no one talks to me)\b", re.I),
}


def causes_from_lexicon(text: str) -> dict[str, int]:
    return {label: 1 for label, pat in _CAUSE_TERMS.items() if pat.search(text)}

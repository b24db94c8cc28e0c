"""Text normalisation and redaction used to build every training example.

This is the Python twin of ``src/engine/normalise.ts`` (the serving side). Both must produce identical
output; both are tested against the shared vectors in ``test/fixtures/normalise-vectors.json`` and the
redaction evaluation set ``test/fixtures/redaction-eval.json``. Every character class is spelled out in
explicit ranges because Python's ``\\d``, ``\\w`` and ``\\s`` are Unicode-aware while JavaScript's are not,
and "end of text" is written ``(?![\\s\\S])`` because Python's ``$`` also matches before a final newline.
Bump ``NORMALISATION_VERSION`` (in both files) on any change: model.json records it and the engine refuses
a model built with another version.

Steps, in order: NFC, HTML entities, invisible characters, then placeholders -- [URL], [EMAIL] (plain and
obfuscated), [USER] (Reddit users in every spelling, profile subreddits, dataset pseudonyms, @handles), [IP]
(IPv6 in every RFC 4291/5952 text form, IPv4, with ports and zone ids), [PHONE], then whitespace collapsed,
then [NAME] (person names: a context rule or the first-name lexicon ``src/engine/person-names.json``,
with the context words of ``src/engine/redaction-words.json``).
"""

from __future__ import annotations

import json
import re
import unicodedata

from ..core.paths import REPO

NORMALISATION_VERSION = 2

_HTML_ENTITIES = [
    (re.compile(r"&amp;"), "&"),
    (re.compile(r"&lt;"), "<"),
    (re.compile(r"&gt;"), ">"),
    (re.compile(r"&quot;"), '"'),
    (re.compile(r"&#39;|&#x27;"), "'"),
    (re.compile(r"&nbsp;"), " "),
]

_INVISIBLE = re.compile("[\u0000-\u0008\u000e-\u001f\u007f\u200b-\u200d\u2060]")
_WS = r"\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF"
_WHITESPACE = re.compile(f"[{_WS}]+")

_URL_TLDS = "com|org|net|edu|gov|io|co|uk|us|ca|au|de|fr|info|me|ly|gl|be|tv|app|dev"
_URL = re.compile(
    rf"(?<![A-Za-z0-9_@.])(?:(?:https?|ftp)://|www\.)[^{_WS}<>\"'()\[\]{{}}]*[^{_WS}<>\"'()\[\]{{}}.,;:!?]"
    rf"|(?<![A-Za-z0-9_@.\-])(?:[A-Za-z0-9\-]+\.)+(?:{_URL_TLDS})"
    rf"(?:/[^{_WS}<>\"'()\[\]{{}}]*[^{_WS}<>\"'()\[\]{{}}.,;:!?])?(?![A-Za-z0-9_\-])"
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9\-])"
)
# Obfuscated e-mails: name [at] domain [dot] com, name(at)domain(dot)com, name at domain dot com.
_AT = r"(?: ?(?:\[[Aa][Tt]\]|\([Aa][Tt]\)|\{[Aa][Tt]\}|<[Aa][Tt]>) ?| [Aa][Tt] )"
_DOT = r"(?: ?(?:\[[Dd][Oo][Tt]\]|\([Dd][Oo][Tt]\)|\{[Dd][Oo][Tt]\}|<[Dd][Oo][Tt]>) ?| [Dd][Oo][Tt] )"
_OBFUSCATED_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+{_AT}[A-Za-z0-9\-]+(?:(?:{_DOT}|\.)[A-Za-z0-9\-]+)*"
    rf"(?:{_DOT}|\.)(?:com|org|net|edu|gov|io|co|uk|us|ca|au|de|fr|info|me)(?![A-Za-z0-9\-])"
)
# Reddit users: u/name, /u/name, U/name, /U/name; profile subreddits r/u_name; dataset pseudonyms u_ + 12 hex.
_REDDIT_USER = re.compile(
    r"(?<![A-Za-z0-9_/])/?[uU]/[A-Za-z0-9_\-]{2,}"
    r"|(?<![A-Za-z0-9_/])/?[rR]/[uU]_[A-Za-z0-9_\-]+"
    r"|(?<![A-Za-z0-9_])u_[0-9a-f]{12}(?![A-Za-z0-9_])"
)
_HANDLE = re.compile(r"(?<![A-Za-z0-9_.@])@[A-Za-z0-9_]{1,30}(?![A-Za-z0-9_@])")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_TEXT = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")
_IPV4 = re.compile(rf"(?<![0-9A-Za-z_.]){_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?!\.?[0-9])(?::[0-9]{{1,5}}(?![0-9]))?")
# IPv6 candidates (a run of hex digits, colons and dots with at least one colon); _is_ipv6 decides.
_ZONE = r"(?:%[0-9A-Za-z_~\-]+)?"
_IPV6_BRACKETED = re.compile(rf"\[([0-9A-Fa-f:.]+){_ZONE}\](?::[0-9]{{1,5}}(?![0-9]))?")
_IPV6 = re.compile(rf"(?<![0-9A-Za-z_:.])([0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)({_ZONE})")
_HEX_GROUP = re.compile(r"[0-9A-Fa-f]{1,4}")
_DIGIT = re.compile(r"[0-9]")
# Phone candidates; _is_phone decides (7-15 digits and a phone-like shape), keeping ages, years, amounts.
_PHONE_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9+\-./])(?:\+[0-9]|\([0-9]|[0-9])[0-9 ().\-]{4,22}[0-9](?![A-Za-z0-9\-/]|\.[0-9])"
)
_NON_DIGITS = re.compile(r"[^0-9]+")


def _is_phone(candidate: str) -> bool:
    digits = _NON_DIGITS.sub("", candidate)
    if len(digits) < 7 or len(digits) > 15:
        return False
    groups = [g for g in _NON_DIGITS.split(candidate) if g]
    if candidate.startswith("+") or "(" in candidate:
        return True
    if len(groups) == 1:
        return len(digits) in (10, 11)
    return sum(1 for g in groups if len(g) >= 3) >= 2


def _is_ipv6(text: str) -> bool:
    """RFC 4291 section 2.2 text forms: 8 groups, or fewer with one '::', optionally ending in dotted IPv4.
    An address must hold a digit or at least 3 groups, so words such as 'cafe::babe' stay."""
    if text.count("::") > 1 or ":::" in text or not _DIGIT.search(text) and text.count(":") < 3:
        return False
    body = text
    tail_groups = 0
    if "." in body:
        head, _, last = body.rpartition(":")
        if not head or _IPV4_TEXT.fullmatch(last) is None:
            return False
        body, tail_groups = head + (":" if head.endswith(":") and not head.endswith("::") else ""), 2
        if body.endswith(":") and not body.endswith("::"):
            body = body[:-1]
    if "::" in body:
        left, right = body.split("::")
        groups = (left.split(":") if left else []) + (right.split(":") if right else [])
        if len(groups) + tail_groups > 7 or len(groups) + tail_groups == 0:
            return False
    else:
        groups = body.split(":") if body else []
        if len(groups) + tail_groups != 8:
            return False
    return all(_HEX_GROUP.fullmatch(g) for g in groups)


def _ipv6_bracketed(m: re.Match) -> str:
    return "[IP]" if _is_ipv6(m.group(1)) else m.group(0)


def _ipv6_plain(m: re.Match) -> str:
    candidate, zone = m.group(1), m.group(2)
    trail = ""
    if not zone:
        stripped = candidate.rstrip(".")
        trail = candidate[len(stripped):]
        candidate = stripped
        if not _is_ipv6(candidate) and candidate.endswith(":") and not candidate.endswith("::"):
            candidate, trail = candidate[:-1], ":" + trail
    return "[IP]" + trail if _is_ipv6(candidate) else m.group(0)


# --- person names ------------------------------------------------------------------------------------

_NAME_DATA = json.loads((REPO / "src/engine/person-names.json").read_text("utf-8"))
_WORDS = json.loads((REPO / "src/engine/redaction-words.json").read_text("utf-8"))
_FIRST_NAMES = frozenset(_NAME_DATA["first_names"])
_AMBIGUOUS_NAMES = frozenset(_NAME_DATA["ambiguous_first_names"])
_NEVER = frozenset(_WORDS["never_names"])
_NOT_WITHOUT_CONTEXT = frozenset(_WORDS["not_names_without_context"]) | frozenset(_NAME_DATA["us_states"])
_NOT_SURNAMES = frozenset(_WORDS["not_surnames"]) | _NOT_WITHOUT_CONTEXT

_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff"
_WORD = rf"(?:[{_UPPER}]['\u2019])?[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?(?:-[{_UPPER}][{_LOWER}]+)?"
_BEFORE = rf"(?<![{_LETTER}0-9_'\u2019/@#\-])"
_AFTER = rf"(?![{_LETTER}0-9_])"
# group 2: the (first) name; group 3: an optional capitalised word after it (a surname, if accepted)
_NAME = rf"({_WORD}){_AFTER}(?: ({_WORD}){_AFTER})?"
_END = r"(?![\s\S])"


def _alternation(words: list[str]) -> str:
    for w in words:
        assert re.fullmatch(r"[A-Za-z][A-Za-z -]*", w), f"redaction-words.json: {w!r} is not a plain word"
    return "|".join(sorted(words, key=lambda w: (-len(w), w)))


_RELATIONS = _alternation(_WORDS["relations"])
_TITLES = _alternation(_WORDS["titles"])
_SIGN_OFFS = r"[Tt]hanks|[Tt]hank you|[Tt]hx|[Ll]ove|[Cc]heers|[Rr]egards|[Bb]est wishes|[Bb]est|[Ss]incerely|[Tt]ake care|[Hh]ugs|[Xx][Oo]+"
_PERSON_VERBS_BEFORE = r"told|asked|texted|called|messaged|met|with|and|love|miss|hate|dating|married|saw|ask|tell|text|call"
_PERSON_VERBS_AFTER = r"'s|\u2019s| and I| and me| said| says| told| texted| asked| called"


_COMBINING = re.compile("[\u0300-\u036f]")
_TITLE_WORDS = frozenset(_WORDS["titles"])
_PLACE_PREPOSITIONS = tuple(f" {w} " for w in _WORDS["place_prepositions"])
# after a capitalised word, these say it is not a person: a verse reference ("John 3:16"), a contraction
# ("Haven't", "Will'll"), a holiday ("Valentine's Day", "St. Patrick's Day")
_NOT_A_PERSON_AFTER = re.compile(r" [0-9]{1,3}:[0-9]|['\u2019](?:t|ll|ve|re|d|m)(?![A-Za-z])|['\u2019]s Day(?![A-Za-z])")


def _key(word: str) -> str:
    """Lexicon key: the first part of a hyphenated name, accents removed (Tomás -> Tomas, Zoë -> Zoe)."""
    return _COMBINING.sub("", unicodedata.normalize("NFD", word.split("-")[0]))


def _strong(word: str) -> bool:
    return word not in _NEVER and word not in _TITLE_WORDS


def _lexicon(word: str) -> bool:
    k = _key(word)
    return (k in _FIRST_NAMES or k in _AMBIGUOUS_NAMES) and word not in _NEVER and word not in _NOT_WITHOUT_CONTEXT


def _unambiguous(word: str) -> bool:
    return _key(word) in _FIRST_NAMES and word not in _NEVER and word not in _NOT_WITHOUT_CONTEXT


def _ambiguous(word: str) -> bool:
    return _key(word) in _AMBIGUOUS_NAMES and word not in _NEVER and word not in _NOT_WITHOUT_CONTEXT


def _surname(word: str | None) -> bool:
    return word is not None and word not in _NEVER and word not in _NOT_SURNAMES


def _name_rule(prefix: str, accept, suffix: str = ""):
    """A rule: ``prefix`` (group 1, kept) then a name (group 2) and maybe a surname (group 3); ``accept``
    decides on the name word."""
    pattern = re.compile(f"({prefix}){_NAME}{suffix}")

    def replace(m: re.Match) -> str:
        before, first, second = m.group(1), m.group(2), m.group(3)
        if _NOT_A_PERSON_AFTER.match(m.string, m.end(2)) or not accept(first, m):
            return m.group(0)
        if second is None:
            return f"{before}[NAME]"
        return f"{before}[NAME]" if _surname(second) else f"{before}[NAME] {second}"

    return pattern, replace


def _after_place_preposition(m: re.Match) -> bool:
    """'in Lyon', 'from Austin': a capitalised word after a place preposition is a place unless possessive."""
    before = " " + m.string[max(0, m.start(2) - 12):m.start(2)].lower()
    return before.endswith(_PLACE_PREPOSITIONS) and not m.string.startswith(("'s", "\u2019s"), m.end(2))


def _introduction_ok(word: str, m: re.Match) -> bool:
    """"I'm Wei from", "I am Tomás, 27": any capitalised word before from/,/and/here/an age; else a known name."""
    if _lexicon(word):
        return True
    return _strong(word) and word not in _NOT_WITHOUT_CONTEXT and _INTRO_TAIL.match(m.string, m.end()) is not None


_INTRO_TAIL = re.compile(r"(?:,| from| and| here| \(| [0-9])(?![A-Za-z])")


def _relation_ok(word: str, m: re.Match) -> bool:
    # "my ex, Jake, said": after a comma the word must be a known first name or close an appositive
    if "," not in m.group(1):
        return _strong(word)
    following = m.string[m.end():m.end() + 1]
    return _strong(word) and (_lexicon(word) or following == ",")


_NAME_RULES = [
    # self-introductions
    _name_rule(r"(?<![A-Za-z])(?:[Mm]y name is|[Mm]y name['\u2019]s|[Nn]ame['\u2019]s|[Ii] am called|[Ii]['\u2019]m called"
               r"|[Ii] go by|[Pp]eople call me|[Ee]veryone calls me) ", lambda w, m: _strong(w)),
    _name_rule(r"(?<![A-Za-z])(?:[Ii]['\u2019]m|[Ii] am|[Cc]all me|[Tt]his is) ", _introduction_ok,
               rf"(?=[,.!;:()]|[0-9]| [0-9(]| (?:from|and|here|again)(?![A-Za-z])|{_END})"),
    _name_rule(r"(?:^|[.!?,:;] )", lambda w, m: _strong(w) and w not in _NOT_WITHOUT_CONTEXT,
               r"(?= here[,.!;:])"),
    # titles: Dr. Patel, Mrs Kowalski
    _name_rule(rf"(?<![A-Za-z])(?:{_TITLES})\.? ", lambda w, m: _strong(w)),
    # relations: my friend Sarah, my ex, Jake, ...; her new therapist Linda
    _name_rule(rf"(?<![A-Za-z])(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir|[Yy]our) (?:[a-z]+[ -])?(?:{_RELATIONS}),? ",
               _relation_ok),
    # signatures at the end of a post: "- Emma", "Thanks, Tom"
    _name_rule(r"(?:^| )[-~\u2013\u2014]+ ?", lambda w, m: _strong(w) and w not in _NOT_WITHOUT_CONTEXT,
               rf"(?=[.!]?{_END})"),
    _name_rule(rf"(?:^|[.!,] )(?:{_SIGN_OFFS})[,!.]? ", lambda w, m: _lexicon(w), rf"(?=[.!]?{_END})"),
    # an unambiguous first name anywhere (Sarah, Priyanka), with the capitalised word after it as surname
    _name_rule(_BEFORE, lambda w, m: _unambiguous(w) and not _after_place_preposition(m)),
    # a first name that is also a common word (Will, Mark, Grace) only next to a person verb
    _name_rule(rf"(?<![A-Za-z])(?:{_PERSON_VERBS_BEFORE}) ", lambda w, m: _ambiguous(w)),
    _name_rule(_BEFORE, lambda w, m: _ambiguous(w) and m.group(3) is None,
               rf"(?=(?:{_PERSON_VERBS_AFTER})(?![A-Za-z]))"),
]


# A post's last line that is a single name (a signature under the text): "...\n- Nadia", "...,\nZoë".
_SIGNATURE_LINE = re.compile(rf"(\n[ \t]*(?:[-~\u2013\u2014]+ ?)?)({_WORD})(?=[ \t]*[.!]?[{_WS}]*{_END})")


def _signature_line(m: re.Match) -> str:
    word = m.group(2)
    dashed = m.group(1).strip() != ""
    ok = _lexicon(word) or (dashed and _strong(word) and word not in _NOT_WITHOUT_CONTEXT)
    return m.group(1) + "[NAME]" if ok else m.group(0)


def redact_names(text: str) -> str:
    """[NAME] for person names in whitespace-collapsed text (the rules above, in order)."""
    for pattern, replace in _NAME_RULES:
        text = pattern.sub(replace, text)
    return text


def normalise(text: str) -> str:
    out = unicodedata.normalize("NFC", text)
    for pattern, replacement in _HTML_ENTITIES:
        out = pattern.sub(replacement, out)
    out = _INVISIBLE.sub("", out)
    out = _URL.sub("[URL]", out)
    out = _EMAIL.sub("[EMAIL]", out)
    out = _OBFUSCATED_EMAIL.sub("[EMAIL]", out)
    out = _REDDIT_USER.sub("[USER]", out)
    out = _HANDLE.sub("[USER]", out)
    out = _IPV6_BRACKETED.sub(_ipv6_bracketed, out)
    out = _IPV6.sub(_ipv6_plain, out)
    out = _IPV4.sub("[IP]", out)
    out = _PHONE_CANDIDATE.sub(lambda m: "[PHONE]" if _is_phone(m.group(0)) else m.group(0), out)
    out = _SIGNATURE_LINE.sub(_signature_line, out)
    out = _WHITESPACE.sub(" ", out).strip()
    return redact_names(out)

"""Text normalisation and redaction used to build every training example.

This is the Python twin of ``src/engine/normalise.ts`` (the serving side). Both must produce identical
output; both are tested against the shared vectors in ``test/fixtures/normalise-vectors.json``. Every
character class is spelled out in ASCII ranges because Python's ``\\d``, ``\\w`` and ``\\s`` are
Unicode-aware while JavaScript's are not. Bump ``NORMALISATION_VERSION`` (in both files) on any change:
model.json records it and the engine refuses a model built with another version.
"""

from __future__ import annotations

import re
import unicodedata

NORMALISATION_VERSION = 1

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
# Reddit usernames (u/name, /u/name) and the dataset pseudonyms (u_ + 12 hex).
_REDDIT_USER = re.compile(r"(?<![A-Za-z0-9_/])/?u/[A-Za-z0-9_\-]{2,20}|(?<![A-Za-z0-9_])u_[0-9a-f]{12}(?![A-Za-z0-9_])")
_HANDLE = re.compile(r"(?<![A-Za-z0-9_.@])@[A-Za-z0-9_]{1,30}(?![A-Za-z0-9_@])")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IP = re.compile(
    rf"(?<![0-9.]){_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?!\.?[0-9])"
    r"|(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f:])"
)
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


def normalise(text: str) -> str:
    out = unicodedata.normalize("NFC", text)
    for pattern, replacement in _HTML_ENTITIES:
        out = pattern.sub(replacement, out)
    out = _INVISIBLE.sub("", out)
    out = _URL.sub("[URL]", out)
    out = _EMAIL.sub("[EMAIL]", out)
    out = _REDDIT_USER.sub("[USER]", out)
    out = _HANDLE.sub("[USER]", out)
    out = _IP.sub("[IP]", out)
    out = _PHONE_CANDIDATE.sub(lambda m: "[PHONE]" if _is_phone(m.group(0)) else m.group(0), out)
    return _WHITESPACE.sub(" ", out).strip()

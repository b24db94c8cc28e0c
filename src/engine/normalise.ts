// Text normalisation and redaction, applied before tokenisation in serving AND in training
// (scripts/mhelp_pipeline/normalise.py is the same algorithm; both are checked against the shared
// vectors in test/fixtures/normalise-vectors.json). Bump NORMALISATION_VERSION on any behaviour change:
// it is recorded in model.json and the engine refuses a model trained with another version.
//
// Why these rules: the model must never learn from (or leak) identifiers, and cache keys hash the
// normalised text, so two posts differing only by a username share a prediction. Every character class
// is spelled out in ASCII ranges so that JavaScript and Python regexes match exactly the same strings
// (Python's \d, \w and \s are Unicode-aware, JavaScript's are not).

export const NORMALISATION_VERSION = 1;

const HTML_ENTITIES: ReadonlyArray<[RegExp, string]> = [
  [/&amp;/g, "&"],
  [/&lt;/g, "<"],
  [/&gt;/g, ">"],
  [/&quot;/g, '"'],
  [/&#39;|&#x27;/g, "'"],
  [/&nbsp;/g, " "],
];

// Control characters (except tab/newline family, which become spaces below) and zero-width marks.
const INVISIBLE = /[\u0000-\u0008\u000E-\u001F\u007F\u200B-\u200D\u2060]/g;
// Spelled out rather than \s, whose meaning differs between JavaScript and Python.
const WS = "\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";
const WHITESPACE = new RegExp(`[${WS}]+`, "g");

const URL_TLDS = "com|org|net|edu|gov|io|co|uk|us|ca|au|de|fr|info|me|ly|gl|be|tv|app|dev";
const URL_RE = new RegExp(
  // scheme or www. form, or a bare domain with a common TLD; stops before trailing punctuation
  `(?<![A-Za-z0-9_@.])(?:(?:https?|ftp)://|www\\.)[^${WS}<>"'()\\[\\]{}]*[^${WS}<>"'()\\[\\]{}.,;:!?]` +
    `|(?<![A-Za-z0-9_@.\\-])(?:[A-Za-z0-9\\-]+\\.)+(?:${URL_TLDS})(?:/[^${WS}<>"'()\\[\\]{}]*[^${WS}<>"'()\\[\\]{}.,;:!?])?(?![A-Za-z0-9_\\-])`,
  "g",
);
const EMAIL_RE = /(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9\-])/g;
// Reddit usernames (u/name, /u/name) and the dataset pseudonyms (u_ + 12 hex).
const REDDIT_USER_RE = /(?<![A-Za-z0-9_\/])\/?u\/[A-Za-z0-9_\-]{2,20}|(?<![A-Za-z0-9_])u_[0-9a-f]{12}(?![A-Za-z0-9_])/g;
const HANDLE_RE = /(?<![A-Za-z0-9_.@])@[A-Za-z0-9_]{1,30}(?![A-Za-z0-9_@])/g;
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IP_RE = new RegExp(
  `(?<![0-9.])${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}(?!\\.?[0-9])` +
    "|(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f:])",
  "g",
);
// Phone candidates: digits with spaces, dots, dashes or brackets between them. A candidate is a phone
// number only if it has 7–15 digits AND looks like one (leading +, a bracketed area code, at least two
// groups of ≥3 digits, or a single 10–11 digit run); this keeps ages, years and amounts intact.
const PHONE_CANDIDATE_RE = /(?<![A-Za-z0-9+\-.\/])(?:\+[0-9]|\([0-9]|[0-9])[0-9 ().\-]{4,22}[0-9](?![A-Za-z0-9\-\/]|\.[0-9])/g;

function isPhone(candidate: string): boolean {
  const digits = candidate.replace(/[^0-9]/g, "");
  if (digits.length < 7 || digits.length > 15) return false;
  const groups = candidate.split(/[^0-9]+/).filter((g) => g.length > 0);
  if (candidate.startsWith("+") || candidate.includes("(")) return true;
  if (groups.length === 1) return digits.length === 10 || digits.length === 11;
  return groups.filter((g) => g.length >= 3).length >= 2;
}

export function normalise(text: string): string {
  let out = text.normalize("NFC");
  for (const [re, rep] of HTML_ENTITIES) out = out.replace(re, rep);
  out = out.replace(INVISIBLE, "");
  out = out.replace(URL_RE, "[URL]");
  out = out.replace(EMAIL_RE, "[EMAIL]");
  out = out.replace(REDDIT_USER_RE, "[USER]");
  out = out.replace(HANDLE_RE, "[USER]");
  out = out.replace(IP_RE, "[IP]");
  out = out.replace(PHONE_CANDIDATE_RE, (m) => (isPhone(m) ? "[PHONE]" : m));
  out = out.replace(WHITESPACE, " ").trim();
  return out;
}

// Text normalisation and redaction, applied before tokenisation in serving AND in training
// (scripts/mhelp_pipeline/data/normalise.py is the same algorithm; both are checked against the shared
// vectors in test/fixtures/normalise-vectors.json and give identical outputs on the redaction evaluation
// set, test/fixtures/redaction-eval.json). Bump NORMALISATION_VERSION on any behaviour change: it is
// recorded in model.json and the engine refuses a model trained with another version.
//
// Why these rules: the model must never learn from (or leak) identifiers, and cache keys hash the
// normalised text, so two posts differing only by a username share a prediction. Every character class
// is spelled out in explicit ranges so that JavaScript and Python regexes match exactly the same strings
// (Python's \d, \w and \s are Unicode-aware, JavaScript's are not), and "end of text" is (?![\s\S])
// because Python's $ also matches before a final newline.
//
// Steps: NFC, HTML entities, invisible characters, then placeholders -- [URL], [EMAIL] (plain and
// obfuscated), [USER] (Reddit users in every spelling, profile subreddits, dataset pseudonyms, @handles),
// [IP] (IPv6 in every RFC 4291/5952 text form, IPv4, with ports and zone ids), [PHONE] -- whitespace
// collapsed, then [NAME] (person names: context rules and the first-name lexicon person-names.json,
// generated from pinned packages by scripts/build-name-lexicon.mjs, with the words of redaction-words.json).
import personNames from "./person-names.json";
import redactionWords from "./redaction-words.json";

export const NORMALISATION_VERSION = 2;

/** Every placeholder normalisation writes, in the order of the steps that write them. */
export const PLACEHOLDERS = ["URL", "EMAIL", "USER", "IP", "PHONE", "NAME"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
const PLACEHOLDER_RE = /\[(URL|EMAIL|USER|IP|PHONE|NAME)\]/g;

/** How many of each placeholder a text holds (`mhelp redact` reports those it added). */
export function countPlaceholders(text: string): Record<Placeholder, number> {
  const counts = Object.fromEntries(PLACEHOLDERS.map((p) => [p, 0])) as Record<Placeholder, number>;
  for (const m of text.matchAll(PLACEHOLDER_RE)) counts[m[1] as Placeholder]++;
  return counts;
}

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
// Obfuscated e-mails: name [at] domain [dot] com, name(at)domain(dot)com, name at domain dot com.
const AT = String.raw`(?: ?(?:\[[Aa][Tt]\]|\([Aa][Tt]\)|\{[Aa][Tt]\}|<[Aa][Tt]>) ?| [Aa][Tt] )`;
const DOT = String.raw`(?: ?(?:\[[Dd][Oo][Tt]\]|\([Dd][Oo][Tt]\)|\{[Dd][Oo][Tt]\}|<[Dd][Oo][Tt]>) ?| [Dd][Oo][Tt] )`;
const OBFUSCATED_EMAIL_RE = new RegExp(
  String.raw`(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+${AT}[A-Za-z0-9\-]+(?:(?:${DOT}|\.)[A-Za-z0-9\-]+)*` +
    String.raw`(?:${DOT}|\.)(?:com|org|net|edu|gov|io|co|uk|us|ca|au|de|fr|info|me)(?![A-Za-z0-9\-])`,
  "g",
);
// Reddit users: u/name, /u/name, U/name, /U/name; profile subreddits r/u_name; dataset pseudonyms u_ + 12 hex.
const REDDIT_USER_RE =
  /(?<![A-Za-z0-9_\/])\/?[uU]\/[A-Za-z0-9_\-]{2,}|(?<![A-Za-z0-9_\/])\/?[rR]\/[uU]_[A-Za-z0-9_\-]+|(?<![A-Za-z0-9_])u_[0-9a-f]{12}(?![A-Za-z0-9_])/g;
const HANDLE_RE = /(?<![A-Za-z0-9_.@])@[A-Za-z0-9_]{1,30}(?![A-Za-z0-9_@])/g;
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4_TEXT = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const IPV4_RE = new RegExp(
  `(?<![0-9A-Za-z_.])${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}(?!\\.?[0-9])(?::[0-9]{1,5}(?![0-9]))?`,
  "g",
);
// IPv6 candidates (a run of hex digits, colons and dots with at least one colon); isIpv6 decides.
const ZONE = String.raw`(?:%[0-9A-Za-z_~\-]+)?`;
const IPV6_BRACKETED_RE = new RegExp(String.raw`\[([0-9A-Fa-f:.]+)${ZONE}\](?::[0-9]{1,5}(?![0-9]))?`, "g");
const IPV6_RE = new RegExp(String.raw`(?<![0-9A-Za-z_:.])([0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)(${ZONE})`, "g");
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
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

function count(text: string, sub: string): number {
  return text.split(sub).length - 1;
}

/** RFC 4291 section 2.2 text forms: 8 groups, or fewer with one '::', optionally ending in dotted IPv4.
 * An address must hold a digit or at least 3 groups, so words such as 'cafe::babe' stay. */
function isIpv6(text: string): boolean {
  if (count(text, "::") > 1 || text.includes(":::") || (!/[0-9]/.test(text) && count(text, ":") < 3)) return false;
  let body = text;
  let tailGroups = 0;
  if (body.includes(".")) {
    const cut = body.lastIndexOf(":");
    const head = cut >= 0 ? body.slice(0, cut) : "";
    const last = cut >= 0 ? body.slice(cut + 1) : body;
    if (cut < 0 || head === "" || !IPV4_TEXT.test(last)) return false;
    body = head + (head.endsWith(":") && !head.endsWith("::") ? ":" : "");
    tailGroups = 2;
    if (body.endsWith(":") && !body.endsWith("::")) body = body.slice(0, -1);
  }
  let groups: string[];
  if (body.includes("::")) {
    const [left, right] = body.split("::") as [string, string];
    groups = [...(left ? left.split(":") : []), ...(right ? right.split(":") : [])];
    if (groups.length + tailGroups > 7 || groups.length + tailGroups === 0) return false;
  } else {
    groups = body ? body.split(":") : [];
    if (groups.length + tailGroups !== 8) return false;
  }
  return groups.every((g) => HEX_GROUP.test(g));
}

function ipv6Plain(match: string, candidateIn: string, zone: string): string {
  let candidate = candidateIn;
  let trail = "";
  if (!zone) {
    const stripped = candidate.replace(/\.+$/, "");
    trail = candidate.slice(stripped.length);
    candidate = stripped;
    if (!isIpv6(candidate) && candidate.endsWith(":") && !candidate.endsWith("::")) {
      candidate = candidate.slice(0, -1);
      trail = `:${trail}`;
    }
  }
  return isIpv6(candidate) ? `[IP]${trail}` : match;
}

// --- person names ------------------------------------------------------------------------------------

const FIRST_NAMES: ReadonlySet<string> = new Set(personNames.first_names);
const AMBIGUOUS_NAMES: ReadonlySet<string> = new Set(personNames.ambiguous_first_names);
const NEVER: ReadonlySet<string> = new Set(redactionWords.never_names);
const NOT_WITHOUT_CONTEXT: ReadonlySet<string> = new Set([...redactionWords.not_names_without_context, ...personNames.us_states]);
const NOT_SURNAMES: ReadonlySet<string> = new Set([...redactionWords.not_surnames, ...NOT_WITHOUT_CONTEXT]);
const TITLE_WORDS: ReadonlySet<string> = new Set(redactionWords.titles);
const PLACE_PREPOSITIONS = redactionWords.place_prepositions.map((w) => ` ${w} `);

const LETTER = "A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u00FF";
const UPPER = "A-Z\\u00C0-\\u00D6\\u00D8-\\u00DE";
const LOWER = "a-z\\u00DF-\\u00F6\\u00F8-\\u00FF";
const WORD = `(?:[${UPPER}]['\\u2019])?[${UPPER}][${LOWER}]+(?:[${UPPER}][${LOWER}]+)?(?:-[${UPPER}][${LOWER}]+)?`;
const BEFORE = `(?<![${LETTER}0-9_'\\u2019/@#\\-])`;
const AFTER = `(?![${LETTER}0-9_])`;
// group 2: the (first) name; group 3: an optional capitalised word after it (a surname, if accepted)
const NAME = `(${WORD})${AFTER}(?: (${WORD})${AFTER})?`;
const END = "(?![\\s\\S])";
// after a capitalised word, these say it is not a person: a verse reference ("John 3:16"), a contraction
// ("Haven't", "Will'll"), a holiday ("Valentine's Day", "St. Patrick's Day")
const NOT_A_PERSON_AFTER = /^(?: [0-9]{1,3}:[0-9]|['\u2019](?:t|ll|ve|re|d|m)(?![A-Za-z])|['\u2019]s Day(?![A-Za-z]))/;
const INTRO_TAIL = /^(?:,| from| and| here| \(| [0-9])(?![A-Za-z])/;

function alternation(words: readonly string[]): string {
  for (const w of words) {
    if (!/^[A-Za-z][A-Za-z -]*$/.test(w)) throw new Error(`redaction-words.json: ${JSON.stringify(w)} is not a plain word`);
  }
  return [...words].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0)).join("|");
}

const RELATIONS = alternation(redactionWords.relations);
const TITLES = alternation(redactionWords.titles);
const SIGN_OFFS = "[Tt]hanks|[Tt]hank you|[Tt]hx|[Ll]ove|[Cc]heers|[Rr]egards|[Bb]est wishes|[Bb]est|[Ss]incerely|[Tt]ake care|[Hh]ugs|[Xx][Oo]+";
const PERSON_VERBS_BEFORE = "told|asked|texted|called|messaged|met|with|and|love|miss|hate|dating|married|saw|ask|tell|text|call";
const PERSON_VERBS_AFTER = "'s|\\u2019s| and I| and me| said| says| told| texted| asked| called";

/** Lexicon key: the first part of a hyphenated name, accents removed (Tomás -> Tomas, Zoë -> Zoe). */
function key(word: string): string {
  return word.split("-")[0]!.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

const strong = (w: string) => !NEVER.has(w) && !TITLE_WORDS.has(w);
const lexicon = (w: string) => (FIRST_NAMES.has(key(w)) || AMBIGUOUS_NAMES.has(key(w))) && !NEVER.has(w) && !NOT_WITHOUT_CONTEXT.has(w);
const unambiguous = (w: string) => FIRST_NAMES.has(key(w)) && !NEVER.has(w) && !NOT_WITHOUT_CONTEXT.has(w);
const ambiguous = (w: string) => AMBIGUOUS_NAMES.has(key(w)) && !NEVER.has(w) && !NOT_WITHOUT_CONTEXT.has(w);
const surname = (w: string | undefined) => w !== undefined && !NEVER.has(w) && !NOT_SURNAMES.has(w);

/** Where a candidate sits: the whole text, where the name starts and ends, where the match ends. */
interface NameMatch {
  text: string;
  prefix: string;
  start: number;
  end: number;
  matchEnd: number;
  surname: string | undefined;
}
type Accept = (word: string, m: NameMatch) => boolean;
interface NameRule {
  pattern: RegExp;
  accept: Accept;
}

/** A rule: `prefix` (group 1, kept) then a name (group 2) and maybe a surname (group 3). */
function nameRule(prefix: string, accept: Accept, suffix = ""): NameRule {
  return { pattern: new RegExp(`(${prefix})${NAME}${suffix}`, "g"), accept };
}

function afterPlacePreposition(m: NameMatch): boolean {
  // 'in Lyon', 'from Austin': a capitalised word after a place preposition is a place unless possessive
  const before = ` ${m.text.slice(Math.max(0, m.start - 12), m.start).toLowerCase()}`;
  const rest = m.text.slice(m.end);
  return PLACE_PREPOSITIONS.some((p) => before.endsWith(p)) && !rest.startsWith("'s") && !rest.startsWith("\u2019s");
}

function introductionOk(w: string, m: NameMatch): boolean {
  // "I'm Wei from", "I am Tomás, 27": any capitalised word before from/,/and/here/an age; else a known name
  if (lexicon(w)) return true;
  return strong(w) && !NOT_WITHOUT_CONTEXT.has(w) && INTRO_TAIL.test(m.text.slice(m.matchEnd));
}

function relationOk(w: string, m: NameMatch): boolean {
  // "my ex, Jake, said": after a comma the word must be a known first name or close an appositive
  if (!m.prefix.includes(",")) return strong(w);
  return strong(w) && (lexicon(w) || m.text.slice(m.matchEnd, m.matchEnd + 1) === ",");
}

const NAME_RULES: readonly NameRule[] = [
  // self-introductions
  nameRule(
    "(?<![A-Za-z])(?:[Mm]y name is|[Mm]y name['\\u2019]s|[Nn]ame['\\u2019]s|[Ii] am called|[Ii]['\\u2019]m called" +
      "|[Ii] go by|[Pp]eople call me|[Ee]veryone calls me) ",
    (w) => strong(w),
  ),
  nameRule(
    "(?<![A-Za-z])(?:[Ii]['\\u2019]m|[Ii] am|[Cc]all me|[Tt]his is) ",
    introductionOk,
    `(?=[,.!;:()]|[0-9]| [0-9(]| (?:from|and|here|again)(?![A-Za-z])|${END})`,
  ),
  nameRule("(?:^|[.!?,:;] )", (w) => strong(w) && !NOT_WITHOUT_CONTEXT.has(w), "(?= here[,.!;:])"),
  // titles: Dr. Patel, Mrs Kowalski
  nameRule(`(?<![A-Za-z])(?:${TITLES})\\.? `, (w) => strong(w)),
  // relations: my friend Sarah, my ex, Jake, ...; her new therapist Linda
  nameRule(`(?<![A-Za-z])(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir|[Yy]our) (?:[a-z]+[ -])?(?:${RELATIONS}),? `, relationOk),
  // signatures at the end of a post: "- Emma", "Thanks, Tom"
  nameRule("(?:^| )[-~\\u2013\\u2014]+ ?", (w) => strong(w) && !NOT_WITHOUT_CONTEXT.has(w), `(?=[.!]?${END})`),
  nameRule(`(?:^|[.!,] )(?:${SIGN_OFFS})[,!.]? `, (w) => lexicon(w), `(?=[.!]?${END})`),
  // an unambiguous first name anywhere (Sarah, Priyanka), with the capitalised word after it as surname
  nameRule(BEFORE, (w, m) => unambiguous(w) && !afterPlacePreposition(m)),
  // a first name that is also a common word (Will, Mark, Grace) only next to a person verb
  nameRule(`(?<![A-Za-z])(?:${PERSON_VERBS_BEFORE}) `, (w) => ambiguous(w)),
  nameRule(BEFORE, (w, m) => ambiguous(w) && m.surname === undefined, `(?=(?:${PERSON_VERBS_AFTER})(?![A-Za-z]))`),
];

function applyNameRule(text: string, rule: NameRule): string {
  return text.replace(rule.pattern, (match: string, prefix: string, first: string, second: string | undefined, offset: number) => {
    const start = offset + prefix.length;
    const m: NameMatch = { text, prefix, start, end: start + first.length, matchEnd: offset + match.length, surname: second };
    if (NOT_A_PERSON_AFTER.test(text.slice(m.end)) || !rule.accept(first, m)) return match;
    if (second === undefined) return `${prefix}[NAME]`;
    return surname(second) ? `${prefix}[NAME]` : `${prefix}[NAME] ${second}`;
  });
}

// A post's last line that is a single name (a signature under the text): "...\n- Nadia", "...,\nZoë".
const SIGNATURE_LINE_RE = new RegExp(`(\\n[ \\t]*(?:[-~\\u2013\\u2014]+ ?)?)(${WORD})(?=[ \\t]*[.!]?[${WS}]*${END})`, "g");

function signatureLine(match: string, lead: string, word: string): string {
  const dashed = lead.trim() !== "";
  const ok = lexicon(word) || (dashed && strong(word) && !NOT_WITHOUT_CONTEXT.has(word));
  return ok ? `${lead}[NAME]` : match;
}

/** [NAME] for person names in whitespace-collapsed text (the rules above, in order). */
export function redactNames(text: string): string {
  let out = text;
  for (const rule of NAME_RULES) out = applyNameRule(out, rule);
  return out;
}

export function normalise(text: string): string {
  let out = text.normalize("NFC");
  for (const [re, rep] of HTML_ENTITIES) out = out.replace(re, rep);
  out = out.replace(INVISIBLE, "");
  out = out.replace(URL_RE, "[URL]");
  out = out.replace(EMAIL_RE, "[EMAIL]");
  out = out.replace(OBFUSCATED_EMAIL_RE, "[EMAIL]");
  out = out.replace(REDDIT_USER_RE, "[USER]");
  out = out.replace(HANDLE_RE, "[USER]");
  out = out.replace(IPV6_BRACKETED_RE, (m: string, candidate: string) => (isIpv6(candidate) ? "[IP]" : m));
  out = out.replace(IPV6_RE, ipv6Plain);
  out = out.replace(IPV4_RE, "[IP]");
  out = out.replace(PHONE_CANDIDATE_RE, (m) => (isPhone(m) ? "[PHONE]" : m));
  out = out.replace(SIGNATURE_LINE_RE, signatureLine);
  out = out.replace(WHITESPACE, " ").trim();
  return redactNames(out);
}

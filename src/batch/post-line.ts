// One line of a JSONL batch input → a post, or the reason it cannot be scored (never the text itself).
// The one parser of batch inputs: the CLI's `predict`/`redact`/`eval` (src/cli/jsonl.ts) and the Worker's batch
// jobs (src/worker/jobs/job-chunk.ts) read lines with it, so a dump that one accepts the other accepts too, and
// a skipped line is reported with the same reason by both.
//
// A line holds a JSON object with "id" (string or number) and "text" (string, not blank); other fields are
// allowed and ignored. Blank lines are layout, not records: readers skip them (isBlankLine) and keep counting
// lines, so line numbers are the file's own.

export interface PostRecord {
  line: number;
  id: string;
  text: string;
  /** the whole parsed object, so `redact` can write the record back with only `text` changed */
  record: Record<string, unknown>;
}

export interface BadLine {
  line: number;
  reason: string;
}

export interface ParseOptions {
  /** posts longer than this (UTF-16 code units, as the API counts) are skipped; undefined = no limit */
  maxChars?: number;
  /** ids longer than this are skipped (the API's limit is 256); undefined = no limit */
  maxIdChars?: number;
  /** what sets maxChars, named in the skip reason (the CLI's "--max-chars", a job's "MAX_CHARS_PER_POST") */
  maxCharsSetting?: string;
}

/** True for a line of only spaces, tabs and carriage returns (JSON's own whitespace besides the newline). */
export function isBlankLine(raw: string): boolean {
  return /^[ \t\r]*$/.test(raw);
}

/** Parses one input line; returns the record or the reason it is unusable (never the text itself). */
export function parsePostLine(raw: string, line: number, opts: ParseOptions = {}): PostRecord | BadLine {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { line, reason: "not valid JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { line, reason: "not a JSON object" };
  const record = value as Record<string, unknown>;
  const id = record.id;
  if (typeof id !== "string" && typeof id !== "number") return { line, reason: 'missing "id" (string or number)' };
  if (String(id) === "") return { line, reason: '"id" is empty' };
  if (opts.maxIdChars !== undefined && String(id).length > opts.maxIdChars) return { line, reason: `"id" is longer than ${opts.maxIdChars} characters` };
  if (typeof record.text !== "string") return { line, reason: 'missing "text" (string)' };
  if (record.text.trim() === "") return { line, reason: '"text" is empty' };
  if (opts.maxChars !== undefined && record.text.length > opts.maxChars) return { line, reason: tooLong(opts.maxChars, opts.maxCharsSetting) };
  return { line, id: String(id), text: record.text, record };
}

/** The skip reason of an over-long post (one reason for every such line, so the summary counts them together). */
export function tooLong(maxChars: number, setting?: string): string {
  return `text is too long: the limit is ${maxChars} characters per post${setting ? ` (${setting})` : ""}; split or shorten the post`;
}

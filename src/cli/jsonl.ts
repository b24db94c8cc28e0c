// Reading and writing JSONL records for batch work. Bad lines are never dropped silently: each is
// reported with its line number and reason, counted, and fatal under --strict.
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";

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

export class BadLineError extends Error {
  constructor(readonly bad: BadLine) {
    super(`line ${bad.line}: ${bad.reason}`);
  }
}

/** Parses one input line; returns the record or the reason it is unusable (never the text itself). */
export function parsePostLine(raw: string, line: number): PostRecord | BadLine {
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
  if (typeof record.text !== "string") return { line, reason: 'missing "text" (string)' };
  if (record.text.trim() === "") return { line, reason: '"text" is empty' };
  return { line, id: String(id), text: record.text, record };
}

export async function* readPosts(path: string): AsyncGenerator<PostRecord | BadLine> {
  const input = path === "-" ? process.stdin : createReadStream(path, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    if (raw.trim() === "") continue; // blank lines are layout, not records
    yield parsePostLine(raw, n);
  }
}

export function openOutput(path: string): Writable {
  return path === "-" ? process.stdout : createWriteStream(path, { encoding: "utf8" });
}

export async function closeOutput(out: Writable): Promise<void> {
  if (out === process.stdout) return;
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export function isBad(x: PostRecord | BadLine): x is BadLine {
  return "reason" in x;
}

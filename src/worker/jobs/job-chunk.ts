// Scoring one chunk of a job: its byte range of the input → one results line per non-blank input line,
// written to R2 as one part. A valid line gets the same result object as POST /v1/predict (predictBatch:
// normalise → cache-through KV → model → calibrated heads → review and resources) plus its `line`; an invalid
// line gets `{"line", "id"?, "error"}` with the reason (src/batch/post-line.ts, the CLI's parser). The part is
// written whole under a key fixed by the chunk's index, so a redelivered chunk rewrites the same part.
import { isBlankLine, parsePostLine, type PostRecord } from "../../batch/post-line";
import type { Config } from "../config";
import { predictBatch } from "../predict-service";
import type { ChunkSummary } from "./job-tracker";
import type { ChunkRange } from "./job-layout";
import type { JobOptions, JobResultLine } from "./job-schemas";

/** The API's id limit (schemas.ts predictRequestSchema). */
const MAX_ID_CHARS = 256;

export interface ChunkOutput {
  /** the part: one JSON line per non-blank input line, in input order */
  part: string;
  summary: ChunkSummary;
}

/** Reads a chunk's byte range of the job's input (an R2 ranged get) and splits it into its lines; null when the
 * input object is gone. */
export async function readChunkLines(bucket: R2Bucket, inputKey: string, range: ChunkRange): Promise<Array<{ line: number; raw: string }> | null> {
  const object = await bucket.get(inputKey, { range: { offset: range.start, length: range.end - range.start } });
  return object ? chunkLines(await object.arrayBuffer(), range) : null;
}

/** Splits the chunk's bytes into its lines (the file's own numbers) without the final newline's empty tail. */
export function chunkLines(bytes: ArrayBuffer, range: Pick<ChunkRange, "first_line" | "start">): Array<{ line: number; raw: string }> {
  let text = new TextDecoder().decode(bytes);
  if (range.start === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte order mark
  const raws = text.split("\n");
  if (raws.length > 0 && raws[raws.length - 1] === "") raws.pop();
  return raws.map((raw, i) => ({ line: range.first_line + i, raw }));
}

export async function scoreChunk(
  lines: Array<{ line: number; raw: string }>,
  options: JobOptions,
  ctx: { config: Config; kv: KVNamespace; requestId: string; waitUntil(work: Promise<unknown>): void },
): Promise<ChunkOutput> {
  const out: Array<{ line: number; json: string }> = [];
  const summary: ChunkSummary = { done: 0, skipped: 0, errors: [] };
  const posts: PostRecord[] = [];
  for (const { line, raw } of lines) {
    if (isBlankLine(raw)) continue;
    const parsed = parsePostLine(raw, line, { maxChars: ctx.config.maxCharsPerPost, maxIdChars: MAX_ID_CHARS, maxCharsSetting: "MAX_CHARS_PER_POST" });
    if ("reason" in parsed) {
      summary.skipped++;
      summary.errors.push({ line, reason: parsed.reason });
      const errorLine: JobResultLine = { line, ...idOf(raw), error: { code: "invalid_line", message: parsed.reason } };
      out.push({ line, json: JSON.stringify(errorLine) });
    } else posts.push(parsed);
  }

  // the request path's batch size: one KV bulk get and one model call per group
  for (let i = 0; i < posts.length; i += ctx.config.maxPosts) {
    const group = posts.slice(i, i + ctx.config.maxPosts);
    const { body } = await predictBatch(
      { posts: group.map((p) => ({ id: p.id, text: p.text })), explain: false, locale: options.locale, profile: options.profile },
      { kv: ctx.kv, cacheTtlSeconds: ctx.config.cacheTtlSeconds, acceptLanguage: undefined, requestId: ctx.requestId, waitUntil: ctx.waitUntil, cache: options.cache },
    );
    body.results.forEach((result, j) => {
      const line = group[j]!.line;
      const resultLine: JobResultLine = { line, ...result };
      out.push({ line, json: JSON.stringify(resultLine) });
    });
    summary.done += group.length;
  }

  out.sort((a, b) => a.line - b.line);
  return { part: out.map((o) => `${o.json}\n`).join(""), summary };
}

/** The id of an invalid line when one can be read (so the caller can match the error to the record); never the text. */
function idOf(raw: string): { id?: string } {
  try {
    const value = JSON.parse(raw) as { id?: unknown } | null;
    const id = value && typeof value === "object" ? value.id : undefined;
    if ((typeof id === "string" && id.length > 0 && id.length <= MAX_ID_CHARS) || typeof id === "number") return { id: String(id) };
  } catch {
    // not JSON: no id
  }
  return {};
}

/** Error lines for every non-blank line of a chunk that failed every retry. */
export function failedChunkPart(lines: Array<{ line: number; raw: string }>, reason: string): string {
  return lines
    .filter((l) => !isBlankLine(l.raw))
    .map((l) => {
      const errorLine: JobResultLine = { line: l.line, ...idOf(l.raw), error: { code: "chunk_failed", message: reason } };
      return `${JSON.stringify(errorLine)}\n`;
    })
    .join("");
}

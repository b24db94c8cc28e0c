// The two batch commands. Both stream JSONL, report progress on stderr, and end with a summary that
// counts read, written and skipped records (by reason, with line numbers in the log). The output replaces
// an existing file only once it is complete (AtomicOutput).
import type { Engine } from "../engine/engine";
import { countPlaceholders, normalise, PLACEHOLDERS, type Placeholder } from "../engine/normalise";
import { PredictResultSchema, type PredictResult } from "../worker/schemas";
import { AtomicOutput, BadLineError, isBad, readPosts, type BadLine, type PostRecord } from "./jsonl";
import { inputBytes, Progress } from "./progress";
import type { ChosenProfile } from "../engine/metadata";
import { apiPostParser, DEFAULT_MAX_CHARS, toApiResult } from "./result";
import { lazyCrisisResources } from "../safety/crisis-resources";

export interface BatchSummary {
  read: number;
  written: number;
  skipped: number;
  skippedByReason: Record<string, number>;
  /** line numbers of the skipped lines, in input order */
  skippedLines?: number[];
  /** redact: identifiers replaced, per placeholder (placeholders already in the input are not counted) */
  replaced?: Record<Placeholder, number>;
}

export interface BatchOptions {
  input: string;
  output: string;
  strict: boolean;
  log: (message: string) => void;
  /** show a progress line on stderr (off in library use) */
  progress?: boolean;
}

export interface PredictOptions extends BatchOptions {
  chunk: number;
  /** per-post character limit; longer posts are skipped and reported (default: the API's) */
  maxChars?: number;
  /** decimal places of probabilities (default 4) */
  precision?: number;
  /** picks the crisis resources attached to results that need them */
  locale?: string;
  /** the operating point that decides help_seeking.label (absent: the model's own threshold) */
  profile?: ChosenProfile;
  format?: "jsonl" | "csv";
  /** dotted paths of the result to write (e.g. id,help_seeking.label,help_seeking.probs.yes); all by default */
  fields?: string[];
}

export function newSummary(): BatchSummary {
  return { read: 0, written: 0, skipped: 0, skippedByReason: {}, skippedLines: [] };
}

export function skip(summary: BatchSummary, bad: BadLine, opts: { strict: boolean; log: (m: string) => void }): void {
  if (opts.strict) throw new BadLineError(bad);
  summary.skipped++;
  summary.skippedByReason[bad.reason] = (summary.skippedByReason[bad.reason] ?? 0) + 1;
  summary.skippedLines?.push(bad.line);
  opts.log(`skipped line ${bad.line}: ${bad.reason}`);
}

/** Runs `body` against an output that replaces `path` only if body completes (never a partial file). */
async function withOutput<T>(path: string, body: (out: AtomicOutput) => Promise<T>): Promise<T> {
  const out = new AtomicOutput(path);
  try {
    const result = await body(out);
    await out.commit();
    return result;
  } catch (err) {
    await out.abort();
    throw err;
  }
}

function progressFor(verb: string, opts: BatchOptions): { progress: Progress | null; log: (m: string) => void } {
  if (!opts.progress) return { progress: null, log: opts.log };
  const progress = new Progress(verb, { totalBytes: inputBytes(opts.input) });
  return { progress, log: (m) => progress.log(m) };
}

export const DEFAULT_CSV_FIELDS = [
  "id",
  "help_seeking.label",
  "help_seeking.probs.yes",
  "condition.label",
  "causes.labels",
  "review.needed",
  "review.reasons",
  "windows",
];

function getPath(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const key of path.split(".")) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function pick(result: PredictResult, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = getPath(result, f);
    if (v !== undefined) out[f] = v;
  }
  return out;
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = Array.isArray(v) && v.every((x) => typeof x !== "object") ? v.join("|") : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Checks `--fields` before any work, so a typo is a user error rather than empty columns; null when fine. */
export function checkFields(fields: string[]): string | null {
  const top = Object.keys(PredictResultSchema.shape);
  const bad = fields.filter((f) => !top.includes(f.split(".")[0]!));
  return bad.length ? `unknown field(s) ${bad.join(", ")} in --fields; a field is a dotted path of the result, starting with one of ${top.join(", ")}` : null;
}

export async function runPredict(engine: Engine, opts: PredictOptions): Promise<BatchSummary> {
  const summary = newSummary();
  const parse = apiPostParser(opts.maxChars ?? DEFAULT_MAX_CHARS);
  const digits = opts.precision ?? 4;
  const resources = lazyCrisisResources(opts.locale);
  const format = opts.format ?? "jsonl";
  const fields = opts.fields ?? (format === "csv" ? DEFAULT_CSV_FIELDS : undefined);
  const { progress, log } = progressFor("predicted", opts);
  const lineOpts = { strict: opts.strict, log };
  let complete = false;
  try {
    return await withOutput(opts.output, async (out) => {
      if (format === "csv") await out.write(`${fields!.map(csvCell).join(",")}\n`);
      let pending: PostRecord[] = [];
      let bytes = 0;
      const flush = async () => {
        if (pending.length === 0) return;
        const preds = await engine.predict(pending.map((p) => p.text));
        for (let i = 0; i < pending.length; i++) {
          const result = toApiResult(pending[i]!.id, pending[i]!.text, preds[i]!, resources, digits, opts.profile);
          if (format === "csv") await out.write(`${fields!.map((f) => csvCell(getPath(result, f))).join(",")}\n`);
          else await out.write(`${JSON.stringify(fields ? pick(result, fields) : result)}\n`);
          summary.written++;
        }
        pending = [];
        progress?.update(summary.written, bytes);
      };
      for await (const item of readPosts(opts.input, parse, (b) => (bytes = b))) {
        summary.read++;
        if (isBad(item)) skip(summary, item, lineOpts);
        else {
          pending.push(item);
          if (pending.length >= opts.chunk) await flush();
        }
      }
      await flush();
      complete = true;
      return summary;
    });
  } finally {
    progress?.finish(complete);
  }
}

export async function runRedact(opts: BatchOptions): Promise<BatchSummary> {
  const replaced = Object.fromEntries(PLACEHOLDERS.map((p) => [p, 0])) as Record<Placeholder, number>;
  const summary: BatchSummary = { ...newSummary(), replaced };
  const { progress, log } = progressFor("redacted", opts);
  const lineOpts = { strict: opts.strict, log };
  let complete = false;
  try {
    return await withOutput(opts.output, async (out) => {
      let bytes = 0;
      for await (const item of readPosts(opts.input, undefined, (b) => (bytes = b))) {
        summary.read++;
        if (isBad(item)) skip(summary, item, lineOpts);
        else {
          const text = normalise(item.text);
          const before = countPlaceholders(item.text);
          const after = countPlaceholders(text);
          for (const p of PLACEHOLDERS) replaced[p] += Math.max(0, after[p] - before[p]);
          await out.write(`${JSON.stringify({ ...item.record, text })}\n`);
          summary.written++;
          progress?.update(summary.written, bytes);
        }
      }
      complete = true;
      return summary;
    });
  } finally {
    progress?.finish(complete);
  }
}

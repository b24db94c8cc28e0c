// The two batch commands. Both stream JSONL, report progress on stderr, and end with a summary that
// counts read, written and skipped records (by reason).
import type { Writable } from "node:stream";
import type { Engine } from "../engine/engine";
import { countPlaceholders, normalise, PLACEHOLDERS, type Placeholder } from "../engine/normalise";
import { BadLineError, closeOutput, isBad, openOutput, readPosts, type BadLine, type PostRecord } from "./jsonl";

export interface BatchSummary {
  read: number;
  written: number;
  skipped: number;
  skippedByReason: Record<string, number>;
  /** redact: identifiers replaced, per placeholder (placeholders already in the input are not counted) */
  replaced?: Record<Placeholder, number>;
}

export interface BatchOptions {
  input: string;
  output: string;
  strict: boolean;
  log: (message: string) => void;
}

function newSummary(): BatchSummary {
  return { read: 0, written: 0, skipped: 0, skippedByReason: {} };
}

function skip(summary: BatchSummary, bad: BadLine, opts: BatchOptions): void {
  if (opts.strict) throw new BadLineError(bad);
  summary.skipped++;
  summary.skippedByReason[bad.reason] = (summary.skippedByReason[bad.reason] ?? 0) + 1;
  opts.log(`skipped line ${bad.line}: ${bad.reason}`);
}

function write(out: Writable, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = out.write(`${JSON.stringify(value)}\n`, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else out.once("drain", resolve);
  });
}

export async function runPredict(engine: Engine, opts: BatchOptions & { chunk: number }): Promise<BatchSummary> {
  const summary = newSummary();
  const out = openOutput(opts.output);
  let pending: PostRecord[] = [];
  const started = Date.now();
  const flush = async () => {
    if (pending.length === 0) return;
    const preds = await engine.predict(pending.map((p) => p.text));
    for (let i = 0; i < pending.length; i++) {
      await write(out, { id: pending[i]!.record.id, ...preds[i]!.heads });
      summary.written++;
    }
    pending = [];
    const secs = (Date.now() - started) / 1000;
    opts.log(`predicted ${summary.written} posts (${(summary.written / Math.max(secs, 1e-3)).toFixed(1)} posts/s)`);
  };
  try {
    for await (const item of readPosts(opts.input)) {
      summary.read++;
      if (isBad(item)) skip(summary, item, opts);
      else {
        pending.push(item);
        if (pending.length >= opts.chunk) await flush();
      }
    }
    await flush();
  } finally {
    await closeOutput(out);
  }
  return summary;
}

export async function runRedact(opts: BatchOptions): Promise<BatchSummary> {
  const replaced = Object.fromEntries(PLACEHOLDERS.map((p) => [p, 0])) as Record<Placeholder, number>;
  const summary: BatchSummary = { ...newSummary(), replaced };
  const out = openOutput(opts.output);
  try {
    for await (const item of readPosts(opts.input)) {
      summary.read++;
      if (isBad(item)) skip(summary, item, opts);
      else {
        const text = normalise(item.text);
        const before = countPlaceholders(item.text);
        const after = countPlaceholders(text);
        for (const p of PLACEHOLDERS) replaced[p] += Math.max(0, after[p] - before[p]);
        await write(out, { ...item.record, text });
        summary.written++;
      }
    }
  } finally {
    await closeOutput(out);
  }
  return summary;
}

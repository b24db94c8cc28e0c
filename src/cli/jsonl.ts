// Reading and writing JSONL records for batch work. Bad lines are never dropped silently: each is
// reported with its line number and reason, counted, and fatal under --strict.
// Outputs are never half-written over an existing file: every output goes to a temporary file beside the
// target and is renamed over it only when the command has finished (AtomicOutput). Paths are checked
// (checkInputPath, checkOutputPath) before anything is opened, so a user error leaves every file untouched.
import { accessSync, constants, createReadStream, createWriteStream, renameSync, statSync, unlinkSync, type WriteStream } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import { isBlankLine, parsePostLine as parseBatchLine, tooLong as tooLongReason, type BadLine, type PostRecord } from "../batch/post-line";

export { isBlankLine, type BadLine, type PostRecord } from "../batch/post-line";

export class BadLineError extends Error {
  constructor(readonly bad: BadLine) {
    super(`line ${bad.line}: ${bad.reason}`);
  }
}

/** A mistake the user can fix (a path, a flag): reported as one line, exit code 2, no stack trace. */
export class UserError extends Error {}

/** Parses one input line (src/batch/post-line.ts); an over-long post's reason names --max-chars. */
export function parsePostLine(raw: string, line: number, opts: { maxChars?: number } = {}): PostRecord | BadLine {
  return parseBatchLine(raw, line, { ...opts, maxCharsSetting: "--max-chars" });
}

/** The skip reason of an over-long post (one reason for every such line, so the summary counts them together). */
export function tooLong(maxChars: number): string {
  return tooLongReason(maxChars, "--max-chars");
}

export type LineParser = (raw: string, line: number) => PostRecord | BadLine;

/** onBytes: called with the input bytes read so far (approximate; for the progress ETA). */
export async function* readPosts(
  path: string,
  parse: LineParser = (raw, n) => parsePostLine(raw, n),
  onBytes?: (bytes: number) => void,
): AsyncGenerator<PostRecord | BadLine> {
  const input = path === "-" ? process.stdin : createReadStream(path, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let bytes = 0;
  for await (const raw of lines) {
    n++;
    if (onBytes) onBytes((bytes += Buffer.byteLength(raw) + 1));
    if (isBlankLine(raw)) continue; // blank lines are layout, not records
    yield parse(raw, n);
  }
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "does not exist";
  if (code === "EACCES" || code === "EPERM") return "is not permitted (check its permissions)";
  if (code === "ENOTDIR") return "has a part that is not a folder";
  return (err as Error).message;
}

/** Throws a UserError unless `path` is "-" or a readable file. */
export function checkInputPath(path: string, flag = "--input"): void {
  if (path === "-") return;
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${flag} ${path} is a folder; pass a JSONL file`);
    accessSync(path, constants.R_OK);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${flag} ${path} ${describe(err)}; pass an existing, readable JSONL file`);
  }
}

/** Throws a UserError unless `path` is "-" or a file that can be created or replaced in a writable folder. */
export function checkOutputPath(path: string, flag = "--output"): void {
  if (path === "-") return;
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw new UserError(`${flag} ${path}: ${dir} is not a folder`);
    accessSync(dir, constants.W_OK);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${flag} ${path}: the folder ${dir} ${describe(err)}; create it or pick another path`);
  }
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${flag} ${path} is a folder; pass a file path`);
  } catch (err) {
    if (err instanceof UserError) throw err; // a missing file is fine: it is created
  }
}

/**
 * An output that replaces its target only when complete: writes go to a temporary file in the target's
 * folder, commit() renames it over the target, abort() removes it (the target is left as it was).
 * "-" writes straight to stdout. Stream errors never escape as unhandled 'error' events: the next write,
 * commit() or abort() reports them.
 */
export class AtomicOutput {
  readonly stream: Writable;
  private readonly tmp: string | null;
  private error: Error | null = null;

  constructor(readonly path: string) {
    if (path === "-") {
      this.stream = process.stdout;
      this.tmp = null;
      // a closed pipe (`mhelp predict --output - | head`) is reported by the next write, not thrown unhandled
      if (process.stdout.listenerCount("error") === 0) process.stdout.on("error", (err) => (this.error ??= err));
    } else {
      const target = resolve(path);
      this.tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
      const ws: WriteStream = createWriteStream(this.tmp, { encoding: "utf8" });
      ws.on("error", (err) => {
        this.error ??= err;
      });
      this.stream = ws;
    }
  }

  write(text: string): Promise<void> {
    if (this.error) return Promise.reject(this.failure());
    return new Promise((resolve, reject) => {
      const ok = this.stream.write(text, (err) => (err ? reject(this.failure(err)) : undefined));
      if (ok) resolve();
      else this.stream.once("drain", resolve);
    });
  }

  private failure(err?: Error | null): Error {
    const e = this.error ?? err ?? new Error("write failed");
    return new UserError(`cannot write ${this.path}: ${describe(e)}`);
  }

  async commit(): Promise<void> {
    if (this.tmp === null) return;
    await this.close();
    if (this.error) {
      this.removeTmp();
      throw this.failure();
    }
    renameSync(this.tmp, resolve(this.path));
  }

  async abort(): Promise<void> {
    if (this.tmp === null) return;
    await this.close().catch(() => undefined);
    this.removeTmp();
  }

  private close(): Promise<void> {
    const ws = this.stream as WriteStream;
    if (ws.closed || ws.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => ws.end(() => resolve()));
  }

  private removeTmp(): void {
    try {
      if (this.tmp) unlinkSync(this.tmp);
    } catch {
      // already gone
    }
  }
}

/** Writes `text` to `path` atomically (temp file + rename), or to stdout for "-". */
export async function writeWhole(path: string, text: string): Promise<void> {
  const out = new AtomicOutput(path);
  try {
    await out.write(text);
    await out.commit();
  } catch (err) {
    await out.abort();
    throw err;
  }
}

export function isBad(x: PostRecord | BadLine): x is BadLine {
  return "reason" in x;
}

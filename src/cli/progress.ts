// Progress on stderr for batch work: on a TTY a live bar (posts, posts/s, ETA) redrawn in place; otherwise
// (a log file, CI) a plain line every `intervalMs` (MHELP_PROGRESS_MS, default 10 s) and one at the end.
// Other messages go through log() so they never collide with the bar.
import { statSync } from "node:fs";

export interface ProgressOptions {
  /** input size in bytes, for the ETA (undefined: stdin, no ETA) */
  totalBytes?: number;
  /** posts expected in all, for the bar when progress is counted in posts rather than bytes (a server-side job) */
  totalPosts?: number;
  tty?: boolean;
  intervalMs?: number;
  write?: (s: string) => void;
  now?: () => number;
}

export function inputBytes(path: string): number | undefined {
  if (path === "-") return undefined;
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

function duration(secs: number): string {
  if (!Number.isFinite(secs) || secs < 0) return "?";
  const s = Math.round(secs);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export class Progress {
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly out: (s: string) => void;
  private readonly now: () => number;
  private readonly started: number;
  private last = 0;
  private drawn = false;
  private done = 0;
  private bytes = 0;
  private complete = true;
  private totalPosts: number | undefined;

  constructor(private readonly verb: string, private readonly opts: ProgressOptions = {}) {
    this.tty = opts.tty ?? Boolean(process.stderr.isTTY);
    const env = Number(process.env.MHELP_PROGRESS_MS);
    this.intervalMs = opts.intervalMs ?? (Number.isFinite(env) && process.env.MHELP_PROGRESS_MS ? env : this.tty ? 200 : 10_000);
    this.out = opts.write ?? ((s) => process.stderr.write(s));
    this.now = opts.now ?? Date.now;
    this.started = this.now();
    this.last = this.started;
    this.totalPosts = opts.totalPosts;
  }

  /** The posts expected in all, once known (a job's total is known only after the server has read its input). */
  setTotalPosts(total: number): void {
    this.totalPosts = total;
  }

  /** A message line that must not be overwritten by the bar. */
  log(message: string): void {
    this.clear();
    this.out(`${message}\n`);
  }

  /** `posts` records done so far; `bytes` of input consumed so far (for the ETA). */
  update(posts: number, bytes?: number): void {
    this.done = posts;
    if (bytes !== undefined) this.bytes = bytes;
    const t = this.now();
    if (t - this.last < this.intervalMs) return;
    this.last = t;
    this.draw(false);
  }

  /** The closing line; `complete` false (a failed run) leaves out the 100%. */
  finish(complete = true): void {
    this.complete = complete;
    if (!complete && this.done === 0) {
      // a run that failed before its first post: the error line alone says what happened
      this.clear();
      return;
    }
    this.draw(true);
    if (this.tty && this.drawn) this.out("\n");
    this.drawn = false;
  }

  private line(final: boolean): string {
    const secs = Math.max((this.now() - this.started) / 1000, 1e-3);
    const rate = this.done / secs;
    const total = this.opts.totalBytes;
    let frac: number | undefined;
    if (final && this.complete) frac = 1;
    else if (total && total > 0 && this.bytes > 0) frac = Math.min(1, this.bytes / total);
    else if (this.totalPosts !== undefined && this.totalPosts > 0) frac = Math.min(1, this.done / this.totalPosts);
    if (final && !this.complete) frac = undefined;
    const eta = !final && frac !== undefined && frac > 0 ? ` ETA ${duration((secs * (1 - frac)) / frac)}` : "";
    const pct = frac !== undefined ? ` ${Math.floor(frac * 100)}%` : "";
    const bar = this.tty && frac !== undefined ? ` [${"#".repeat(Math.round(frac * 20)).padEnd(20, ".")}]` : "";
    return `mhelp: ${this.verb} ${this.done} posts${bar}${pct} ${rate.toFixed(1)} posts/s${final ? ` in ${duration(secs)}` : eta}`;
  }

  private draw(final: boolean): void {
    if (this.tty) {
      this.out(`\r\x1b[2K${this.line(final)}`);
      this.drawn = true;
    } else this.out(`${this.line(final)}\n`);
  }

  private clear(): void {
    if (this.tty && this.drawn) {
      this.out("\r\x1b[2K");
      this.drawn = false;
    }
  }
}

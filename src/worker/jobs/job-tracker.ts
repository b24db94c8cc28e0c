// JobTracker: the Durable Object that records one batch job's progress (one object per job id).
//
// Why a Durable Object and not D1: every chunk of a job reports to the same record, from many consumer
// invocations at once. One object per job serialises those reports without locks or transactions across
// jobs, is strongly consistent (a status read after the last chunk's report says `done`), needs no schema
// migrations to run under `npm run dev`, and owns its own clean-up: an alarm at the job's expiry deletes its
// objects in R2 and then its own storage. D1 would put every job of every client in one database that all
// consumers write to, and still need a sweeper. Nothing here holds post text: counts, line numbers, reasons.
//
// Chunk reports are idempotent: a chunk is settled once (done or failed); a redelivered chunk that reports
// again changes nothing, so counts are never doubled.
import { DurableObject } from "cloudflare:workers";
import { errorFields, log } from "../logger";
import type { ModelRef } from "../prediction-cache";
import { deletePrefix, jobPrefix, type ChunkRange } from "./job-layout";
import { FINISHED_STATUSES, MAX_LISTED_ERRORS, NOTICE, type JobOptions, type JobStatus, type JobStatusName } from "./job-schemas";

/** What a job is, as created by POST /v1/jobs. */
export interface JobRecord {
  id: string;
  /** the first 12 hex of the creator's API key hash ("anonymous" without auth): only it may read or delete the job */
  owner: string;
  created: string;
  expires: string;
  /** the input object in the job bucket; `delete`: whether DELETE and expiry remove it (our own copies and uploads) */
  input: { key: string; delete: boolean };
  options: JobOptions;
  model: ModelRef & { variant: string };
  warnings?: string[];
}

interface JobState extends JobRecord {
  status: JobStatusName;
  finished: string | null;
  total: number | null;
  chunk_count: number | null;
  failure?: string;
}

/** What one chunk reports: lines scored, lines skipped and why (first few per chunk; counts exact). */
export interface ChunkSummary {
  done: number;
  skipped: number;
  errors: Array<{ line: number; reason: string }>;
}

/** Per chunk, at most this many errors are kept for the status (the results hold one error line per skipped line). */
const ERRORS_KEPT_PER_CHUNK = MAX_LISTED_ERRORS;

export class JobTracker extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.createTables();
  }

  private createTables(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS job (one INTEGER PRIMARY KEY CHECK (one = 1), state TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS chunks (
      idx INTEGER PRIMARY KEY, first_line INTEGER NOT NULL, last_line INTEGER NOT NULL, records INTEGER NOT NULL,
      state TEXT NOT NULL DEFAULT 'pending', done INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,
      errors TEXT NOT NULL DEFAULT '[]', last_error TEXT)`);
  }

  private load(): JobState | null {
    const row = this.sql.exec<{ state: string }>(`SELECT state FROM job WHERE one = 1`).toArray()[0];
    return row ? (JSON.parse(row.state) as JobState) : null;
  }

  private save(state: JobState): void {
    this.sql.exec(`INSERT INTO job (one, state) VALUES (1, ?) ON CONFLICT (one) DO UPDATE SET state = excluded.state`, JSON.stringify(state));
  }

  private active(state: JobState | null): state is JobState {
    return state !== null && !FINISHED_STATUSES.has(state.status);
  }

  /** Records a new job and sets its expiry alarm; a second call with the same id changes nothing. */
  async create(record: JobRecord): Promise<void> {
    if (this.load()) return;
    this.save({ ...record, status: "queued", finished: null, total: null, chunk_count: null });
    await this.ctx.storage.setAlarm(Date.parse(record.expires));
  }

  /** The job's status and owner; null for an id that was never created (or has expired). */
  async read(): Promise<{ owner: string; input: JobRecord["input"]; status: JobStatus } | null> {
    const state = this.load();
    return state ? { owner: state.owner, input: state.input, status: this.status(state) } : null;
  }

  /** The planner cut the input into chunks: records them (idempotently). False when the job is no longer active. */
  async planned(chunks: ChunkRange[], total: number): Promise<boolean> {
    const state = this.load();
    if (!this.active(state)) return false;
    for (const c of chunks) {
      this.sql.exec(`INSERT OR IGNORE INTO chunks (idx, first_line, last_line, records) VALUES (?, ?, ?, ?)`, c.index, c.first_line, c.last_line, c.records);
    }
    state.total = total;
    state.chunk_count = chunks.length;
    this.save(state);
    this.finishIfSettled(state);
    return true;
  }

  /** The input cannot be scored at all (missing, over the limits): the job fails with this reason. */
  async planFailed(reason: string): Promise<void> {
    const state = this.load();
    if (!this.active(state)) return;
    state.failure = reason;
    this.finish(state, "failed");
  }

  /** A consumer starts a chunk: the job becomes running, and the consumer gets what it needs to score it.
   * Null when the job is cancelled, finished or unknown, or this chunk is already settled (a redelivery). */
  async startChunk(index: number): Promise<{ input: JobRecord["input"]; options: JobOptions } | null> {
    const state = this.load();
    if (!this.active(state)) return null;
    const chunk = this.sql.exec<{ state: string }>(`SELECT state FROM chunks WHERE idx = ?`, index).toArray()[0];
    if (!chunk || chunk.state !== "pending") return null;
    if (state.status === "queued") {
      state.status = "running";
      this.save(state);
    }
    return { input: state.input, options: state.options };
  }

  /** A chunk's part is written: records its counts once. False when the job was cancelled meanwhile (the caller deletes the part). */
  async chunkDone(index: number, summary: ChunkSummary): Promise<boolean> {
    const state = this.load();
    if (!this.active(state)) return false;
    this.sql.exec(
      `UPDATE chunks SET state = 'done', done = ?, skipped = ?, errors = ? WHERE idx = ? AND state = 'pending'`,
      summary.done,
      summary.skipped,
      JSON.stringify(summary.errors.slice(0, ERRORS_KEPT_PER_CHUNK)),
      index,
    );
    this.finishIfSettled(state);
    return true;
  }

  /** A delivery of the chunk threw: keeps the error class for the dead-letter report (never post text). */
  async chunkAttemptFailed(index: number, reason: string): Promise<void> {
    this.sql.exec(`UPDATE chunks SET last_error = ? WHERE idx = ?`, reason.slice(0, 300), index);
  }

  /** The chunk's range, its last error and the job's input, for the dead-letter handler. */
  async chunkInfo(
    index: number,
  ): Promise<{ active: boolean; input: JobRecord["input"]; first_line: number; last_line: number; records: number; last_error: string | null } | null> {
    const state = this.load();
    const row = this.sql
      .exec<{ first_line: number; last_line: number; records: number; last_error: string | null; state: string }>(
        `SELECT first_line, last_line, records, last_error, state FROM chunks WHERE idx = ?`,
        index,
      )
      .toArray()[0];
    if (!row || !state) return null;
    return { active: this.active(state) && row.state === "pending", input: state.input, first_line: row.first_line, last_line: row.last_line, records: row.records, last_error: row.last_error };
  }

  /** The chunk failed every retry (dead-letter queue): its lines count as skipped, its range is reported. */
  async chunkFailed(index: number, reason: string): Promise<void> {
    const state = this.load();
    if (!this.active(state)) return;
    const row = this.sql.exec<{ first_line: number; last_line: number }>(`SELECT first_line, last_line FROM chunks WHERE idx = ?`, index).toArray()[0];
    if (!row) return;
    const errors = [{ line: row.first_line, last_line: row.last_line, reason }];
    this.sql.exec(`UPDATE chunks SET state = 'failed', done = 0, skipped = records, errors = ? WHERE idx = ? AND state = 'pending'`, JSON.stringify(errors), index);
    this.finishIfSettled(state);
  }

  /** DELETE /v1/jobs/{id}: the job is cancelled if it was queued or running, its objects (the input when ours,
   * every result part) are deleted, then everything this object stored: the job is gone (404) and a chunk
   * still running finds it inactive. Returns the job's last status. */
  async cancel(): Promise<JobStatus | null> {
    const state = this.load();
    if (!state) return null;
    if (!FINISHED_STATUSES.has(state.status)) {
      state.status = "cancelled";
      state.finished = new Date().toISOString();
    }
    const last = this.status(state, true);
    await this.forget(state);
    return last;
  }

  /** Expiry (JOB_RETENTION_DAYS after creation): the job's objects, then everything this object stored. */
  async alarm(): Promise<void> {
    const state = this.load();
    if (state) await this.forget(state);
    else await this.ctx.storage.deleteAll();
    log("info", "job expired", { deleted: true });
  }

  private async forget(state: JobState): Promise<void> {
    await this.deleteObjects(state);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.createTables(); // this instance may still answer a read: an empty job, i.e. 404
  }

  private async deleteObjects(state: JobState): Promise<void> {
    const bucket = this.env.JOBS_BUCKET;
    await deletePrefix(bucket, jobPrefix(state.id));
    if (state.input.delete) await bucket.delete(state.input.key);
  }

  private finishIfSettled(state: JobState): void {
    if (state.chunk_count === null) return;
    const counts = this.sql.exec<{ pending: number; failed: number }>(
      `SELECT COALESCE(SUM(state = 'pending'), 0) AS pending, COALESCE(SUM(state = 'failed'), 0) AS failed FROM chunks`,
    ).one();
    if (counts.pending > 0) return;
    this.finish(state, counts.failed > 0 ? "failed" : "done");
  }

  private finish(state: JobState, status: JobStatusName): void {
    state.status = status;
    state.finished = new Date().toISOString();
    this.save(state);
    const url = state.options.callback_url;
    if (url) {
      const body = JSON.stringify(this.status(state));
      this.ctx.waitUntil(
        fetch(url, { method: "POST", headers: { "content-type": "application/json", "user-agent": "mhelp-jobs" }, body })
          .then((r) => log("info", "job callback", { status: r.status }))
          .catch((err: unknown) => log("warn", "job callback failed", errorFields(err, false))),
      );
    }
  }

  /** `deleted`: true only in the answer to DELETE, whose job is gone once it is sent. */
  private status(state: JobState, deleted = false): JobStatus {
    const agg = this.sql
      .exec<{ done: number; skipped: number; settled: number; failed: number }>(
        `SELECT COALESCE(SUM(done), 0) AS done, COALESCE(SUM(skipped), 0) AS skipped,
                COALESCE(SUM(state = 'done'), 0) AS settled, COALESCE(SUM(state = 'failed'), 0) AS failed FROM chunks`,
      )
      .one();
    const errors: JobStatus["errors"] = [];
    let truncated = false;
    for (const row of this.sql.exec<{ errors: string }>(`SELECT errors FROM chunks WHERE errors != '[]' ORDER BY idx`)) {
      for (const e of JSON.parse(row.errors) as JobStatus["errors"]) {
        if (errors.length < MAX_LISTED_ERRORS) errors.push(e);
        else truncated = true;
      }
      if (truncated) break;
    }
    const { locale, profile, cache, callback_url } = state.options;
    return {
      id: state.id,
      status: state.status,
      total: state.total,
      done: agg.done,
      skipped: agg.skipped,
      errors,
      errors_truncated: truncated,
      chunks: { total: state.chunk_count, done: agg.settled, failed: agg.failed },
      created: state.created,
      finished: state.finished,
      expires: state.expires,
      model: state.model,
      options: { ...(locale ? { locale } : {}), ...(profile ? { profile } : {}), ...(cache ? { cache } : {}), callback: Boolean(callback_url) },
      deleted,
      ...(state.failure ? { failure: state.failure } : {}),
      ...(state.warnings?.length ? { warnings: state.warnings } : {}),
      notice: NOTICE,
    };
  }
}

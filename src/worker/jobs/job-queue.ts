// The Worker's queue() handler: the consumer of the job queue and of its dead-letter queue.
//
//   plan    read the job's input once (a stream), cut it into chunks (job-plan.ts), record them in the job's
//           JobTracker and send one chunk message per chunk (sendBatch, 100 at a time)
//   chunk   read the chunk's byte range, score it (job-chunk.ts), write its part to R2, report its counts
//   DLQ     a message that failed every retry: a chunk becomes an error line per post and a `failed` range in
//           the job's errors; a plan fails the job. Nothing is dropped silently.
//
// A message that throws is retried with exponential backoff (retryDelaySeconds); after max_retries
// (wrangler.toml) the queue moves it to the dead-letter queue. Logs carry counts and ids, never text.
import type { Config } from "../config";
import { errorFields, log } from "../logger";
import { failedChunkPart, readChunkLines, scoreChunk } from "./job-chunk";
import { partKey, type ChunkMessage, type JobMessage, type PlanMessage } from "./job-layout";
import { planChunks, TooManyLines } from "./job-plan";
import type { JobTracker } from "./job-tracker";

/** The dead-letter queue's name (wrangler.toml `dead_letter_queue`): its batches are failures to record.
 * Variants (scripts/variant.mjs) rename the queues but keep the suffix, which is what isDeadLetterQueue reads. */
export const DEAD_LETTER_QUEUE = "mhelp-job-chunks-dlq";

export function isDeadLetterQueue(queue: string): boolean {
  return queue.endsWith("-dlq");
}
/** sendBatch takes at most 100 messages. */
const SEND_BATCH_MAX = 100;

/** Backoff before redelivering a message that failed `attempts` times: 10 s, 20 s, 40 s, … at most 5 min. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(300, 10 * 2 ** Math.max(0, attempts - 1));
}

export function tracker(env: Env, job: string): DurableObjectStub<JobTracker> {
  return env.JOB_TRACKER.get(env.JOB_TRACKER.idFromName(job));
}

export async function handleQueue(batch: MessageBatch<JobMessage>, env: Env, config: Config): Promise<void> {
  const deadLetters = isDeadLetterQueue(batch.queue);
  for (const message of batch.messages) {
    const body = message.body;
    try {
      if (deadLetters) await recordDeadLetter(body, env);
      else if (body.kind === "plan") await plan(body, env, config);
      else await chunk(body, env, config);
      message.ack();
    } catch (err) {
      const fields = errorFields(err, false);
      log("warn", deadLetters ? "dead letter not recorded; retrying" : "job message failed; retrying", { job: body.job, kind: body.kind, attempts: message.attempts, ...fields });
      if (!deadLetters && body.kind === "chunk") {
        await tracker(env, body.job)
          .chunkAttemptFailed(body.chunk.index, String(fields.error ?? "Error"))
          .catch(() => undefined);
      }
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

async function plan(message: PlanMessage, env: Env, config: Config): Promise<void> {
  const job = tracker(env, message.job);
  const known = await job.read();
  if (!known || known.status.status !== "queued") return; // cancelled, expired or already planned and running
  const object = await env.JOBS_BUCKET.get(known.input.key);
  if (!object) {
    await job.planFailed("the input object is gone from the job bucket (deleted before the job started); submit the job again");
    return;
  }
  let result;
  try {
    result = await planChunks(object.body, config.jobChunkLines, config.maxJobLines);
  } catch (err) {
    if (err instanceof TooManyLines) {
      await job.planFailed(err.message);
      return;
    }
    throw err;
  }
  if (!(await job.planned(result.chunks, result.total))) return;
  const messages = result.chunks.map((c): { body: ChunkMessage; contentType: "json" } => ({ body: { kind: "chunk", job: message.job, chunk: c }, contentType: "json" }));
  for (let i = 0; i < messages.length; i += SEND_BATCH_MAX) await env.JOB_QUEUE.sendBatch(messages.slice(i, i + SEND_BATCH_MAX));
  log("info", "job planned", { job: message.job, lines: result.total, chunks: result.chunks.length, bytes: result.bytes });
}

async function chunk(message: ChunkMessage, env: Env, config: Config): Promise<void> {
  const job = tracker(env, message.job);
  const { chunk: range } = message;
  const started = await job.startChunk(range.index);
  if (!started) return; // cancelled, finished, or this chunk is already settled
  const lines = await readChunkLines(env.JOBS_BUCKET, started.input.key, range);
  if (!lines) throw new Error("the job's input object is missing");
  const writes: Promise<unknown>[] = [];
  const t0 = Date.now();
  const { part, summary } = await scoreChunk(lines, started.options, {
    config,
    kv: env.PREDICTIONS,
    requestId: `${message.job}/${range.index}`,
    // the cache writes finish before the message is acknowledged
    waitUntil: (work) => writes.push(work),
  });
  await Promise.allSettled(writes);
  const key = partKey(message.job, range.index);
  await env.JOBS_BUCKET.put(key, part, { httpMetadata: { contentType: "application/x-ndjson" } });
  if (!(await job.chunkDone(range.index, summary))) {
    await env.JOBS_BUCKET.delete(key); // cancelled while this chunk ran: leave nothing behind
    return;
  }
  log("info", "job chunk done", { job: message.job, chunk: range.index, done: summary.done, skipped: summary.skipped, ms: Date.now() - t0 });
}

async function recordDeadLetter(message: JobMessage, env: Env): Promise<void> {
  const job = tracker(env, message.job);
  if (message.kind === "plan") {
    await job.planFailed("the input could not be read after every retry; submit the job again and quote its id if it persists");
    return;
  }
  const range = message.chunk;
  const info = await job.chunkInfo(range.index);
  if (!info?.active) return;
  const reason = `lines ${range.first_line}-${range.last_line} could not be scored after every retry (${info.last_error ?? "unknown error"}); resubmit them`;
  const lines = await readChunkLines(env.JOBS_BUCKET, info.input.key, range);
  if (lines) await env.JOBS_BUCKET.put(partKey(message.job, range.index), failedChunkPart(lines, reason));
  await job.chunkFailed(range.index, reason);
  log("warn", "job chunk dead-lettered", { job: message.job, chunk: range.index, lines: info.records });
}

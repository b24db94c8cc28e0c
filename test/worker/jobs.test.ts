// Batch jobs inside workerd: POST /v1/jobs → the plan and chunk messages go through the local queue to the
// Worker's own queue() handler → parts in the local R2 bucket → GET status / results; cancel; auth; limits.
// The chunk size is the deployed one (JOB_CHUNK_LINES = 100), so a 230-line job has three chunks.
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker/index";
import { DEFAULT_CONFIG } from "../../src/worker/config";
import { partKey, type ChunkMessage, type JobMessage } from "../../src/worker/jobs/job-layout";
import { DEAD_LETTER_QUEUE, retryDelaySeconds, tracker } from "../../src/worker/jobs/job-queue";
import { JobCreatedSchema, JobResultLineSchema, JobStatusSchema, type JobStatus } from "../../src/worker/jobs/job-schemas";
import { call, callRaw, eventually, expectError, newKey } from "./helpers";

const POSTS = [
  "I have not slept for weeks and I do not know who to talk to. Can anyone help?",
  "Finally finished my marathon training today, feeling great.",
  "My boss keeps yelling at me and I cry every night. How do I cope with this?",
  "Does anyone know a good therapist in Leeds? My anxiety is getting worse.",
  "Just adopted a cat, she is adorable.",
];

function jsonl(lines: string[]): string {
  return lines.map((l) => `${l}\n`).join("");
}

function postLine(i: number): string {
  return JSON.stringify({ id: `p${i}`, text: POSTS[i % POSTS.length] });
}

async function submit(body: string, query = "", key?: string): Promise<string> {
  const res = await call(`/v1/jobs${query}`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(202);
  const created = JobCreatedSchema.parse(await res.json());
  expect(res.headers.get("location")).toBe(created.status_url);
  return created.id;
}

async function status(id: string, key?: string): Promise<JobStatus> {
  const res = await call(`/v1/jobs/${id}`, key ? { headers: { authorization: `Bearer ${key}` } } : undefined);
  expect(res.status, await res.clone().text()).toBe(200);
  return JobStatusSchema.parse(await res.json());
}

async function finished(id: string, timeoutMs = 90_000): Promise<JobStatus> {
  const s = await eventually(() => status(id), (s) => ["done", "failed", "cancelled"].includes(s.status), timeoutMs);
  expect(["done", "failed"], JSON.stringify(s)).toContain(s.status);
  return s;
}

async function results(id: string) {
  const res = await call(`/v1/jobs/${id}/results`);
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/application\/x-ndjson/);
  const text = new TextDecoder().decode(await res.arrayBuffer());
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JobResultLineSchema.parse(JSON.parse(l)));
}

describe("a job with valid and invalid lines", () => {
  it("completes with exact counts, line-numbered errors and one result line per input line, in order", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 230; i++) lines.push(postLine(i));
    // invalid lines at known places (1-based line numbers), and blank lines that are layout
    lines[9] = "{not json";
    lines[119] = JSON.stringify({ id: "no-text" });
    lines[200] = JSON.stringify({ id: "blank", text: "   " });
    lines[150] = "";
    lines[151] = "   ";
    const id = await submit(jsonl(lines), "?locale=en-GB");
    const s = await finished(id);
    expect(s.status).toBe("done");
    expect(s.total).toBe(228);
    expect(s.skipped).toBe(3);
    expect(s.done).toBe(225);
    expect(s.errors).toEqual([
      { line: 10, reason: "not valid JSON" },
      { line: 120, reason: 'missing "text" (string)' },
      { line: 201, reason: '"text" is empty' },
    ]);
    expect(s.chunks).toEqual({ total: 3, done: 3, failed: 0 });
    expect(s.options).toEqual({ locale: "en-GB", callback: false });
    expect(s.finished).not.toBeNull();

    const out = await results(id);
    expect(out).toHaveLength(228);
    expect(out.map((r) => r.line)).toEqual(lines.map((l, i) => (l.trim() === "" ? null : i + 1)).filter((n) => n !== null));
    const errorLines = out.filter((r) => "error" in r);
    expect(errorLines.map((r) => [r.line, "error" in r && r.error.code])).toEqual([
      [10, "invalid_line"],
      [120, "invalid_line"],
      [201, "invalid_line"],
    ]);
    expect(errorLines[1]).toMatchObject({ id: "no-text" });
    // the same result object as POST /v1/predict for the same post
    const first = out[0]!;
    if ("error" in first) throw new Error("line 1 should be scored");
    const predicted = await call("/v1/predict", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ posts: [{ id: "p0", text: POSTS[0] }], locale: "en-GB" }),
    });
    const { results: direct } = (await predicted.json()) as { results: Array<Record<string, unknown>> };
    const { cached: _a, line: _l, ...fromJob } = first as Record<string, unknown>;
    const { cached: _b, ...fromPredict } = direct[0]!;
    expect(fromJob).toEqual(fromPredict);
  });
});

describe("retries and dead letters", () => {
  it("a chunk that throws once is retried; the redelivery completes it without duplicating results or counts", async () => {
    // a finished job gives a real chunk message; then the chunk is replayed against a fresh job whose
    // bucket fails the first read, through the Worker's queue() handler itself
    const lines = Array.from({ length: 40 }, (_, i) => postLine(i));
    const id = await submit(jsonl(lines));
    const s0 = await finished(id);
    expect(s0.done).toBe(40);
    const before = await results(id);

    // replaying a settled chunk (a duplicate delivery) changes nothing
    const chunk: ChunkMessage = { kind: "chunk", job: id, chunk: { index: 0, start: 0, end: new TextEncoder().encode(jsonl(lines)).length, first_line: 1, last_line: 40, records: 40 } };
    const dup = createMessageBatch<JobMessage>("mhelp-job-chunks", [{ id: "dup", timestamp: new Date(), attempts: 2, body: chunk }]);
    const ctx = createExecutionContext();
    await worker.queue(dup, env, ctx);
    expect((await getQueueResult(dup, ctx)).explicitAcks).toEqual(["dup"]);
    expect(await status(id)).toMatchObject({ done: 40, skipped: 0, chunks: { total: 1, done: 1, failed: 0 } });
    expect(await results(id)).toEqual(before);

    // a pending chunk whose first attempt throws: retried with backoff, then completed
    const fresh = await submitUnplanned(jsonl(lines));
    await tracker(env, fresh).planned([{ ...chunk.chunk }], 40);
    const message: ChunkMessage = { ...chunk, job: fresh };
    let reads = 0;
    const flaky = {
      ...env,
      JOBS_BUCKET: new Proxy(env.JOBS_BUCKET, {
        get(target, prop) {
          if (prop === "get") {
            return (...args: Parameters<R2Bucket["get"]>) => {
              if (reads++ === 0) return Promise.reject(new Error("simulated R2 outage"));
              return target.get(...args);
            };
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
    } as Env;
    const first = createMessageBatch<JobMessage>("mhelp-job-chunks", [{ id: "m1", timestamp: new Date(), attempts: 1, body: message }]);
    const ctx1 = createExecutionContext();
    await worker.queue(first, flaky, ctx1);
    const r1 = await getQueueResult(first, ctx1);
    // (the test harness records which messages were retried, not the delay: retryDelaySeconds has its own test)
    expect(r1.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
    expect(r1.explicitAcks).toEqual([]);
    expect((await status(fresh)).status).toBe("running");

    const second = createMessageBatch<JobMessage>("mhelp-job-chunks", [{ id: "m1", timestamp: new Date(), attempts: 2, body: message }]);
    const ctx2 = createExecutionContext();
    await worker.queue(second, flaky, ctx2);
    expect((await getQueueResult(second, ctx2)).explicitAcks).toEqual(["m1"]);
    const s = await status(fresh);
    expect(s).toMatchObject({ status: "done", total: 40, done: 40, skipped: 0 });
    const out = await results(fresh);
    expect(out.map((r) => r.line)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(out.map((r) => r.id)).toEqual(before.map((r) => r.id));
  });

  it("a chunk that fails every retry lands in the dead-letter queue: its range is in errors and every line has an error result", async () => {
    const lines = Array.from({ length: 30 }, (_, i) => postLine(i));
    const id = await submitUnplanned(jsonl(lines));
    const bytes = new TextEncoder().encode(jsonl(lines)).length;
    await tracker(env, id).planned([{ index: 0, start: 0, end: bytes, first_line: 1, last_line: 30, records: 30 }], 30);
    await tracker(env, id).chunkAttemptFailed(0, "OrtError");
    const body: ChunkMessage = { kind: "chunk", job: id, chunk: { index: 0, start: 0, end: bytes, first_line: 1, last_line: 30, records: 30 } };
    const batch = createMessageBatch<JobMessage>(DEAD_LETTER_QUEUE, [{ id: "d1", timestamp: new Date(), attempts: 1, body }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["d1"]);
    const s = await status(id);
    expect(s).toMatchObject({ status: "failed", total: 30, done: 0, skipped: 30, chunks: { total: 1, done: 0, failed: 1 } });
    expect(s.errors).toEqual([{ line: 1, last_line: 30, reason: expect.stringContaining("lines 1-30 could not be scored after every retry (OrtError)") }]);
    const out = await results(id);
    expect(out).toHaveLength(30);
    expect(out.every((r) => "error" in r && r.error.code === "chunk_failed")).toBe(true);
  });
});

describe("retryDelaySeconds", () => {
  it("backs off exponentially from 10 s up to 5 minutes", () => {
    expect([1, 2, 3, 4, 6, 10].map(retryDelaySeconds)).toEqual([10, 20, 40, 80, 300, 300]);
  });
});

describe("cancel", () => {
  it("DELETE cancels a queued job and deletes it with its input and results: 404 from then on", async () => {
    const id = await submitUnplanned(jsonl([postLine(0), postLine(1)]));
    const res = await call(`/v1/jobs/${id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    const s = JobStatusSchema.parse(await res.json());
    expect(s).toMatchObject({ status: "cancelled", deleted: true });
    expect(await env.JOBS_BUCKET.head(`jobs/${id}/input.jsonl`)).toBeNull();
    await expectError(await call(`/v1/jobs/${id}`), 404, "not_found");
    await expectError(await call(`/v1/jobs/${id}/results`), 404, "not_found");
    // a chunk that was already running finds the job gone: it acknowledges, scores nothing, leaves no part
    const { createExecutionContext: newCtx } = await import("cloudflare:test");
    const late: ChunkMessage = { kind: "chunk", job: id, chunk: { index: 0, start: 0, end: 10, first_line: 1, last_line: 2, records: 2 } };
    const batch = createMessageBatch<JobMessage>("mhelp-job-chunks", [{ id: "late", timestamp: new Date(), attempts: 1, body: late }]);
    const ctx = newCtx();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["late"]);
    expect(await env.JOBS_BUCKET.head(partKey(id, 0))).toBeNull();
  });

  it("DELETE of a finished job deletes it with its results; the answer keeps its final status", async () => {
    const id = await submit(jsonl([postLine(0)]));
    await finished(id);
    expect(await env.JOBS_BUCKET.head(partKey(id, 0))).not.toBeNull();
    const res = await call(`/v1/jobs/${id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(JobStatusSchema.parse(await res.json())).toMatchObject({ status: "done", done: 1, deleted: true });
    expect(await env.JOBS_BUCKET.head(partKey(id, 0))).toBeNull();
    await expectError(await call(`/v1/jobs/${id}`), 404, "not_found");
  });
});

describe("auth and limits", () => {
  it("needs an API key, and another key's job is not found", async () => {
    await expectError(await callRaw("/v1/jobs", { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: postLine(0) }), 401, "missing_api_key");
    const id = await submitUnplanned(jsonl([postLine(0)]));
    const other = await newKey("other");
    await expectError(await call(`/v1/jobs/${id}`, { headers: { authorization: `Bearer ${other}` } }), 404, "not_found");
    await expectError(await call(`/v1/jobs/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${other}` } }), 404, "not_found");
    await expectError(await call(`/v1/jobs/job_${"0".repeat(32)}`), 404, "not_found");
    await expectError(await call(`/v1/jobs/not-a-job`), 404, "not_found");
  });

  it("rejects bad bodies and options with a 4xx that says how to fix them", async () => {
    await expectError(await call("/v1/jobs", { method: "POST", headers: { "content-type": "text/csv" }, body: "a,b" }), 415, "unsupported_media_type");
    await expectError(await call("/v1/jobs", { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: "\n  \n" }), 400, "empty_body");
    await expectError(await call("/v1/jobs?profile=loud", { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: postLine(0) }), 400, "invalid_request");
    for (const bad of ["ftp://example.org/x", "https:///i", "https://exa mple.org", "example.org/done"]) {
      const res = await call(`/v1/jobs?callback_url=${encodeURIComponent(bad)}`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: postLine(0) });
      expect((await expectError(res, 400, "invalid_request")).error.message, bad).toMatch(/callback_url must be an http\(s\) URL/);
    }
    const big = "x".repeat(DEFAULT_CONFIG.maxJobBodyBytes + 1);
    await expectError(await call("/v1/jobs", { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: big }), 413, "payload_too_large");
    const json = { "content-type": "application/json" };
    await expectError(await call("/v1/jobs", { method: "POST", headers: json, body: JSON.stringify({ input: "s3://x/y" }) }), 400, "invalid_request");
    await expectError(await call("/v1/jobs", { method: "POST", headers: json, body: JSON.stringify({ input: `r2://mhelp-jobs/${"k".repeat(20_000)}` }) }), 413, "payload_too_large");
    await expectError(await call("/v1/jobs", { method: "POST", headers: json, body: JSON.stringify({ input: "r2://other-bucket/x.jsonl" }) }), 400, "invalid_request");
    await expectError(await call("/v1/jobs", { method: "POST", headers: json, body: JSON.stringify({ input: "r2://mhelp-jobs/missing.jsonl" }) }), 404, "not_found");
    await expectError(await call("/v1/jobs", { method: "POST", headers: json, body: JSON.stringify({ input: "r2://mhelp-jobs/uploads/someoneelse/upl_1.jsonl" }) }), 404, "not_found");
    await expectError(await call("/v1/jobs", { method: "POST", headers: json, body: JSON.stringify({ input: "r2://mhelp-jobs/x.jsonl", extra: 1 }) }), 400, "invalid_request");
  });

  it("a job over MAX_JOB_LINES fails as a whole with the reason", async () => {
    // planning is exercised directly with a small limit (the deployed one is a million lines)
    const { planChunks, TooManyLines } = await import("../../src/worker/jobs/job-plan");
    const input = new Blob([jsonl(Array.from({ length: 12 }, (_, i) => postLine(i)))]).stream();
    await expect(planChunks(input, 5, 10)).rejects.toBeInstanceOf(TooManyLines);
  });

  it("results before the job is finished are 409 with Retry-After", async () => {
    const id = await submitUnplanned(jsonl([postLine(0)]));
    const res = await call(`/v1/jobs/${id}/results`);
    await expectError(res, 409, "job_not_finished");
    expect(res.headers.get("retry-after")).toBe("10");
  });
});

describe("inputs by reference and multipart uploads", () => {
  it("uploads a file in parts and runs a job on it; the upload is deleted with the job", async () => {
    const lines = Array.from({ length: 120 }, (_, i) => postLine(i));
    // part 1 must be at least 5 MiB: pad it with blank lines (layout, not records)
    const head = jsonl(lines.slice(0, 60)) + " \n".repeat((5 * 1_048_576) / 2);
    const tail = jsonl(lines.slice(60));
    const created = await call("/v1/uploads", { method: "POST" });
    expect(created.status).toBe(201);
    const upload = (await created.json()) as { upload_id: string; input: string };
    const parts = [];
    for (const [n, body] of [head, tail].entries()) {
      const res = await call(`/v1/uploads/${upload.upload_id}/parts/${n + 1}`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body });
      expect(res.status, await res.clone().text()).toBe(200);
      parts.push((await res.json()) as { part: number; etag: string });
    }
    const done = await call(`/v1/uploads/${upload.upload_id}/complete`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ parts }) });
    expect(done.status, await done.clone().text()).toBe(200);
    expect(await done.json()).toMatchObject({ input: upload.input });

    const other = await newKey("other-uploader");
    await expectError(await call(`/v1/uploads/${upload.upload_id}/complete`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${other}` }, body: JSON.stringify({ parts }) }), 404, "not_found");

    const res = await call("/v1/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input: upload.input, profile: "high_recall" }) });
    expect(res.status, await res.clone().text()).toBe(202);
    const { id } = JobCreatedSchema.parse(await res.json());
    const s = await finished(id);
    expect(s).toMatchObject({ status: "done", total: 120, done: 120, skipped: 0, options: { profile: "high_recall" } });
    const out = await results(id);
    expect(out.map((r) => r.line)).toEqual([...Array.from({ length: 60 }, (_, i) => i + 1), ...Array.from({ length: 60 }, (_, i) => 60 + (5 * 1_048_576) / 2 + i + 1)]);
    expect(out.every((r) => !("error" in r) && r.profile === "high_recall")).toBe(true);
    const key = upload.input.replace("r2://mhelp-jobs/", "");
    expect(await env.JOBS_BUCKET.head(key)).not.toBeNull();
    await call(`/v1/jobs/${id}`, { method: "DELETE" });
    expect(await env.JOBS_BUCKET.head(key)).toBeNull();
  });
});

/** A job that is created but whose plan message is never consumed here (the queue is bypassed): POST's own
 * records only, so tests can drive its chunks by hand. */
async function submitUnplanned(body: string): Promise<string> {
  const id = `job_${crypto.randomUUID().replace(/-/g, "")}`;
  await env.JOBS_BUCKET.put(`jobs/${id}/input.jsonl`, body);
  const now = new Date();
  await tracker(env, id).create({
    id,
    owner: (await ownerOfTestKey()).slice(0, 12),
    created: now.toISOString(),
    expires: new Date(now.getTime() + 86_400_000).toISOString(),
    input: { key: `jobs/${id}/input.jsonl`, delete: true },
    options: {},
    model: { name: "mhelp-student", version: "test", variant: "default" },
  });
  return id;
}

async function ownerOfTestKey(): Promise<string> {
  const { sha256Hex } = await import("../../src/worker/sha256");
  const { TEST_API_KEY } = await import("./helpers");
  return sha256Hex(TEST_API_KEY);
}

describe("retention", () => {
  it("a job's alarm (JOB_RETENTION_DAYS after creation) deletes its objects and its status", async () => {
    const { runDurableObjectAlarm } = await import("cloudflare:test");
    const id = await submit(jsonl([postLine(0), postLine(1)]));
    await finished(id);
    expect(await env.JOBS_BUCKET.head(partKey(id, 0))).not.toBeNull();
    const s = await status(id);
    expect(Date.parse(s.expires) - Date.parse(s.created)).toBe(DEFAULT_CONFIG.jobRetentionDays * 86_400_000);
    expect(await runDurableObjectAlarm(tracker(env, id))).toBe(true);
    expect(await env.JOBS_BUCKET.head(partKey(id, 0))).toBeNull();
    expect(await env.JOBS_BUCKET.head(`jobs/${id}/input.jsonl`)).toBeNull();
    await expectError(await call(`/v1/jobs/${id}`), 404, "not_found");
  });

  it("the daily sweep deletes job and upload objects older than the retention period, and nothing newer", async () => {
    const { createScheduledController } = await import("cloudflare:test");
    const { sweepExpired } = await import("../../src/worker/jobs/job-retention");
    await env.JOBS_BUCKET.put("uploads/abandoned/upl_x.jsonl", postLine(0));
    await env.JOBS_BUCKET.put("operator/keep.jsonl", postLine(0));
    // the cron handler, today: everything was just written, nothing is old enough
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "17 3 * * *" }), env, ctx);
    const { waitOnExecutionContext } = await import("cloudflare:test");
    await waitOnExecutionContext(ctx);
    expect(await env.JOBS_BUCKET.head("uploads/abandoned/upl_x.jsonl")).not.toBeNull();
    // a week and a day later
    const later = Date.now() + (DEFAULT_CONFIG.jobRetentionDays + 1) * 86_400_000;
    expect(await sweepExpired(env.JOBS_BUCKET, DEFAULT_CONFIG, later)).toBeGreaterThan(0);
    expect(await env.JOBS_BUCKET.head("uploads/abandoned/upl_x.jsonl")).toBeNull();
    expect((await env.JOBS_BUCKET.list({ prefix: "jobs/" })).objects).toEqual([]);
    expect(await env.JOBS_BUCKET.head("operator/keep.jsonl")).not.toBeNull();
  });
});

describe("upload errors", () => {
  it("parts that do not match are 409, a finished or aborted upload is 404, another key's upload is 404", async () => {
    const created = await call("/v1/uploads", { method: "POST" });
    const upload = (await created.json()) as { upload_id: string };
    const put = await call(`/v1/uploads/${upload.upload_id}/parts/1`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: postLine(0) });
    expect(put.status).toBe(200);
    const json = { "content-type": "application/json" };
    const bogus = await call(`/v1/uploads/${upload.upload_id}/complete`, { method: "POST", headers: json, body: JSON.stringify({ parts: [{ part: 1, etag: "not-the-etag" }] }) });
    await expectError(bogus, 409, "upload_conflict");
    await expectError(await call(`/v1/uploads/${upload.upload_id}/parts/2`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: "" }), 400, "empty_body");
    expect((await call(`/v1/uploads/${upload.upload_id}`, { method: "DELETE" })).status).toBe(204);
    const afterAbort = await call(`/v1/uploads/${upload.upload_id}/parts/2`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: postLine(1) });
    await expectError(afterAbort, 404, "not_found");
    await expectError(await call(`/v1/uploads/not-an-upload/parts/1`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: "x" }), 404, "not_found");
    await expectError(await call(`/v1/uploads/${upload.upload_id}/parts/0`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: "x" }), 400, "invalid_request");
  });
});

describe("the cache option", () => {
  it("cache=read uses cached predictions and writes none; cache=off neither reads nor writes", async () => {
    const { predictionKey } = await import("../../src/worker/prediction-cache");
    const { normalise } = await import("../../src/engine/normalise");
    const { MODEL_INFO } = await import("../../src/worker/model");
    const fresh = (tag: string) => JSON.stringify({ id: tag, text: `I can't sleep and my chest hurts before every shift (${tag}). Who should I talk to?` });
    const keyOf = async (tag: string) => predictionKey(MODEL_INFO, normalise(JSON.parse(fresh(tag)).text));
    const tag = crypto.randomUUID();

    // read: a new post is scored but not written; a post cached earlier is reused
    await call("/v1/predict", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ posts: [JSON.parse(fresh(`${tag}-old`))] }) });
    await eventually(async () => env.PREDICTIONS.get(await keyOf(`${tag}-old`)), (v) => v !== null);
    const read = await submit(jsonl([fresh(`${tag}-old`), fresh(`${tag}-new`)]), "?cache=read");
    expect((await finished(read)).options).toMatchObject({ cache: "read" });
    expect((await results(read)).map((r) => "cached" in r && r.cached)).toEqual([true, false]);
    expect(await env.PREDICTIONS.get(await keyOf(`${tag}-new`))).toBeNull();

    // off: even the cached post is scored again, and nothing is written
    const off = await submit(jsonl([fresh(`${tag}-old`), fresh(`${tag}-off`)]), "?cache=off");
    await finished(off);
    expect((await results(off)).map((r) => "cached" in r && r.cached)).toEqual([false, false]);
    expect(await env.PREDICTIONS.get(await keyOf(`${tag}-off`))).toBeNull();

    await expectError(await call("/v1/jobs?cache=sometimes", { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: fresh(tag) }), 400, "invalid_request");
  });
});

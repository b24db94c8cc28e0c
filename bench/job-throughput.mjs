#!/usr/bin/env node
// Throughput of batch jobs (POST /v1/jobs) on local workerd (wrangler dev, 127.0.0.1 only), with real posts.
//
//   npm run bench:jobs                  # 10,000 posts from ../shared/data/silver/silver.jsonl (about 17 min on 2 cores)
//   npm run bench:jobs -- --quick       # 500 posts, a smaller baseline (about 1.5 min)
//   options: --posts N  --baseline-posts M (default 960, 30 requests of 32)  --upload (send the input through
//            POST /v1/uploads even when it fits one body)  --out FILE.json  --timeout-min T (default 60)
//
// Measures, against one local Worker with a fresh KV folder (cold prediction cache) and AUTH_REQUIRED=false:
//   1. baseline: other real posts (silver lines after the job's, then gold dev; never the job's own, so the job
//      starts cold) through POST /v1/predict in sequential requests of 32 → posts/s and workerd CPU ms per post;
//   2. the job: the first N silver posts as JSONL ({"id","text"} only), POST /v1/jobs (x-ndjson, or the multipart
//      upload flow past MAX_JOB_BODY_BYTES), GET /v1/jobs/{id} every second until done, GET …/results, and a check
//      that there is exactly one result line per input line, in order, with its id and no error → wall seconds,
//      posts/s, workerd CPU ms per post, and per chunk the consumer's own time (the Worker's log line
//      {"msg":"job chunk done",…,"ms":…} on wrangler's output) → posts/s per consumer invocation (isolate);
//   3. the same input submitted again (the KV cache now warm) → the same figures;
// and prints job ÷ predict ratios. workerd CPU is utime+stime of the workerd processes (/proc), so it includes
// the simulated R2, Queues, KV and Durable Object work of Miniflare, not only the Worker's own code.
// Local Miniflare delivers the queue's messages to few consumers at a time on this machine (2 cores); on
// Cloudflare, Queues runs more consumer invocations concurrently as the backlog grows, so the per-consumer
// posts/s is the figure that transfers, not the whole-job posts/s. Post text is never printed or stored:
// the results file holds counts, timings and job ids only.
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalWorker } from "../scripts/local-worker.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const QUICK = flag("--quick");
const POSTS = Number(opt("--posts", QUICK ? "500" : "10000"));
const BASELINE_POSTS = Number(opt("--baseline-posts", QUICK ? "256" : "960"));
const FORCE_UPLOAD = flag("--upload");
const TIMEOUT_MS = Number(opt("--timeout-min", "60")) * 60_000;
const BATCH = 32; // MAX_POSTS: the predict baseline's request size
const SHARED = join(root, "..", "shared", "data");
const SILVER = join(SHARED, "silver", "silver.jsonl");
const GOLD_DEV = join(SHARED, "gold", "dev.jsonl");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const started = new Date();
const OUT = opt("--out", join(root, "bench", "results", `jobs-${version}-${started.toISOString().slice(0, 10)}${QUICK ? "-quick" : ""}.json`));

if (!Number.isInteger(POSTS) || POSTS < 1) throw new Error("--posts must be a positive whole number");

// ---------------------------------------------------------------- real posts: ids and text only, read in place
function readPosts(path) {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const { id, text } = JSON.parse(l);
      return { id: String(id), text };
    });
}
const silver = readPosts(SILVER);
if (POSTS > silver.length) throw new Error(`--posts ${POSTS}: ${SILVER} holds ${silver.length} posts`);
const jobPosts = silver.slice(0, POSTS);
const jobTexts = new Set(jobPosts.map((p) => p.text.trim().toLowerCase()));
const baselinePosts = [...silver.slice(POSTS), ...readPosts(GOLD_DEV)]
  .filter((p) => !jobTexts.has(p.text.trim().toLowerCase()))
  .slice(0, BASELINE_POSTS + BATCH); // + one warm-up request (the cold ORT session) not timed
if (baselinePosts.length < BATCH * 2) throw new Error(`only ${baselinePosts.length} posts left for the /v1/predict baseline; use a smaller --posts`);
const jsonl = jobPosts.map((p) => JSON.stringify({ id: p.id, text: p.text })).join("\n") + "\n";
const jsonlBytes = Buffer.from(jsonl, "utf8");
const meanChars = (posts) => posts.reduce((a, p) => a + p.text.length, 0) / posts.length;

// ---------------------------------------------------------------- stats and workerd CPU (/proc)
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const f1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? "-" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : "-");

function descendants(rootPid) {
  const parent = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {}
  }
  const out = [];
  const stack = [rootPid];
  while (stack.length) {
    const p = stack.pop();
    for (const [c, pp] of parent) if (pp === p) (out.push(c), stack.push(c));
  }
  return out;
}
function workerdPids(rootPid) {
  return descendants(rootPid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd");
    } catch {
      return false;
    }
  });
}
function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]); // utime + stime
    } catch {}
  }
  return ticks * 10; // USER_HZ = 100 on Linux
}

// ---------------------------------------------------------------- the Worker's "job chunk done" log lines
const chunkLogs = []; // {job, chunk, done, skipped, ms, at}
let pending = "";
function onOutput(text) {
  pending += text;
  const lines = pending.split("\n");
  pending = lines.pop() ?? "";
  for (const line of lines) {
    const i = line.indexOf('{"level"');
    if (i < 0 || !line.includes('"job chunk done"')) continue;
    try {
      const entry = JSON.parse(line.slice(i).trim());
      if (entry.msg === "job chunk done") chunkLogs.push({ ...entry, at: performance.now() });
    } catch {}
  }
}

// ---------------------------------------------------------------- HTTP
let BASE = "";
async function call(method, path, { body, type, expect = [200] } = {}) {
  const res = await fetch(`${BASE}${path}`, { method, body, headers: type ? { "content-type": type } : {} });
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function predict(posts) {
  const res = await call("POST", "/v1/predict", { type: "application/json", body: JSON.stringify({ posts: posts.map((p) => ({ id: p.id, text: p.text })) }) });
  return res.json();
}

/** POST /v1/jobs with the JSONL as the body, or through a multipart upload when it is too big (or --upload). */
async function submit(maxBodyBytes) {
  if (!FORCE_UPLOAD && jsonlBytes.length <= maxBodyBytes) {
    return { how: "x-ndjson body", created: await (await call("POST", "/v1/jobs", { type: "application/x-ndjson", body: jsonlBytes, expect: [202] })).json() };
  }
  const upload = await (await call("POST", "/v1/uploads", { expect: [201] })).json();
  const partBytes = Math.max(upload.min_part_bytes, Math.min(upload.max_part_bytes, 16 * 1_048_576));
  const parts = [];
  for (let offset = 0, n = 1; offset < jsonlBytes.length; offset += partBytes, n++) {
    const slice = jsonlBytes.subarray(offset, offset + partBytes);
    parts.push(await (await call("PUT", `/v1/uploads/${upload.upload_id}/parts/${n}`, { type: "application/octet-stream", body: slice })).json());
  }
  const done = await (await call("POST", `/v1/uploads/${upload.upload_id}/complete`, { type: "application/json", body: JSON.stringify({ parts }) })).json();
  const created = await (await call("POST", "/v1/jobs", { type: "application/json", body: JSON.stringify({ input: done.input }), expect: [202] })).json();
  return { how: `multipart upload (${parts.length} part(s))`, created };
}

/** One job end to end: submit, poll, download, check. */
async function runJob(label, pids, maxBodyBytes, expectCached) {
  const cpu0 = cpuMs(pids);
  const t0 = performance.now();
  const { how, created } = await submit(maxBodyBytes);
  const id = created.id;
  let status;
  let polls = 0;
  for (;;) {
    status = await (await call("GET", `/v1/jobs/${id}`)).json();
    polls++;
    if (["done", "failed", "cancelled"].includes(status.status)) break;
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`${label}: job ${id} still ${status.status} after ${TIMEOUT_MS / 60_000} min (${status.done}/${status.total})`);
    await sleep(1_000);
  }
  const doneAt = performance.now();
  const cpu1 = cpuMs(pids);
  if (status.status !== "done") throw new Error(`${label}: job ${id} ended ${status.status}: ${JSON.stringify(status.errors).slice(0, 300)}`);
  const results = await (await call("GET", `/v1/jobs/${id}/results`)).text();
  const downloadMs = performance.now() - doneAt;

  // exactly one result line per input line, in input order, with its id, scored
  const lines = results.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.length !== jobPosts.length) throw new Error(`${label}: ${lines.length} result lines for ${jobPosts.length} input lines`);
  let cached = 0;
  lines.forEach((raw, i) => {
    const r = JSON.parse(raw);
    if (r.line !== i + 1 || r.id !== jobPosts[i].id) throw new Error(`${label}: result line ${i + 1} is line ${r.line} id ${r.id}, expected line ${i + 1} id ${jobPosts[i].id}`);
    if (r.error) throw new Error(`${label}: line ${i + 1} has an error: ${r.error.code}`);
    if (r.cached) cached++;
  });
  if (expectCached && cached !== lines.length) throw new Error(`${label}: expected every result cached, ${cached}/${lines.length} were`);

  await sleep(500); // the last chunk's log line can trail its report to the Durable Object
  const chunks = chunkLogs.filter((c) => c.job === id);
  const chunkMs = chunks.map((c) => c.ms);
  const chunkPosts = chunks.map((c) => c.done + c.skipped);
  const wallS = (doneAt - t0) / 1000;
  const consumerSpanS = chunks.length ? (Math.max(...chunks.map((c) => c.at)) - t0) / 1000 : null;
  const perConsumer = chunkMs.length ? (sum(chunkPosts) * 1000) / sum(chunkMs) : null;
  return {
    label,
    id,
    submittedAs: how,
    posts: lines.length,
    cachedResults: cached,
    chunks: status.chunks.total,
    chunkLogsSeen: chunks.length,
    polls,
    wallS,
    postsPerS: lines.length / wallS,
    workerdCpuMsPerPost: pids.length ? (cpu1 - cpu0) / lines.length : null,
    downloadMs,
    resultBytes: Buffer.byteLength(results),
    consumer: chunkMs.length
      ? {
          chunkMsP50: pct(chunkMs, 50),
          chunkMsP90: pct(chunkMs, 90),
          chunkMsMax: Math.max(...chunkMs),
          chunkMsSum: sum(chunkMs),
          // posts per second of consumer time: what one consumer invocation (isolate) scores
          postsPerSPerConsumer: perConsumer,
          msPerPost: sum(chunkMs) / sum(chunkPosts),
          // consumer time ÷ job wall time: how many chunks local Miniflare ran at once, on average
          meanConcurrency: sum(chunkMs) / 1000 / wallS,
          lastChunkAtS: consumerSpanS,
        }
      : null,
  };
}

// ---------------------------------------------------------------- run
console.error(`bench: ${POSTS} job posts (mean ${f1(meanChars(jobPosts))} chars, ${(jsonlBytes.length / 1_048_576).toFixed(2)} MiB JSONL), ${baselinePosts.length - BATCH} baseline posts; starting wrangler dev …`);
const t0 = performance.now();
const worker = await startLocalWorker({ vars: { AUTH_REQUIRED: "false" }, logLevel: "log", onOutput, readyTimeoutMs: 180_000 });
BASE = worker.base;
let report;
try {
  const startupMs = performance.now() - t0;
  const pids = workerdPids(worker.pid);
  const maxBodyBytes = 33_554_432; // MAX_JOB_BODY_BYTES in wrangler.toml [vars]
  const health = await (await call("GET", "/health")).json();

  // 1. baseline: POST /v1/predict, 32 posts per request, sequential; the first request (cold session) untimed
  await predict(baselinePosts.slice(0, BATCH));
  const measured = baselinePosts.slice(BATCH);
  const c0 = cpuMs(pids);
  const b0 = performance.now();
  let misses = 0;
  for (let i = 0; i < measured.length; i += BATCH) {
    const body = await predict(measured.slice(i, i + BATCH));
    misses += body.results.filter((r) => !r.cached).length;
  }
  const baselineS = (performance.now() - b0) / 1000;
  const baseline = {
    posts: measured.length,
    meanChars: meanChars(measured),
    requests: Math.ceil(measured.length / BATCH),
    cacheMisses: misses,
    wallS: baselineS,
    postsPerS: measured.length / baselineS,
    workerdCpuMsPerPost: pids.length ? (cpuMs(pids) - c0) / measured.length : null,
  };
  console.error(`bench: baseline ${f1(baseline.postsPerS)} posts/s; job of ${POSTS} posts …`);

  // 2. the job, cold cache; 3. the same input again, warm cache
  const cold = await runJob("job, cold cache", pids, maxBodyBytes, false);
  console.error(`bench: cold job ${f1(cold.wallS)} s; resubmitting …`);
  const warm = await runJob("job again, warm cache", pids, maxBodyBytes, true);
  for (const j of [cold, warm]) await call("DELETE", `/v1/jobs/${j.id}`);

  report = {
    started: started.toISOString(),
    quick: QUICK,
    node: process.versions.node,
    model: health.model,
    machine: { cpus: (await import("node:os")).cpus().length, note: "local wrangler dev (Miniflare/workerd), shared 2-core machine" },
    input: { source: "../shared/data/silver/silver.jsonl (first N lines, ids + text)", posts: POSTS, meanChars: meanChars(jobPosts), bytes: jsonlBytes.length },
    chunkLines: 100,
    startupMs,
    workerdPids: pids.length,
    baseline,
    jobs: [cold, warm],
    ratios: {
      coldJobOverPredict: cold.postsPerS / baseline.postsPerS,
      warmJobOverPredict: warm.postsPerS / baseline.postsPerS,
      perConsumerOverPredict: cold.consumer ? cold.consumer.postsPerSPerConsumer / baseline.postsPerS : null,
    },
  };
} finally {
  await worker.stop();
}

// ---------------------------------------------------------------- report
function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => "| " + cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ") + " |";
  return [line(headers), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(line)].join("\n");
}
const { baseline, jobs } = report;
const out = [];
out.push(`# mhelp batch-job throughput — ${report.started} — model ${report.model.name}@${report.model.version}`);
out.push(`local wrangler dev (Miniflare/workerd) on 127.0.0.1, ${report.machine.cpus} CPU cores shared; Node ${report.node}; ${QUICK ? "quick" : "full"} run`);
out.push(`input: ${POSTS} real posts from silver.jsonl, mean ${f1(report.input.meanChars)} chars, ${(report.input.bytes / 1_048_576).toFixed(2)} MiB; chunks of 100 lines; wrangler start ${f1(report.startupMs)} ms\n`);
out.push(
  `baseline POST /v1/predict, ${BATCH} posts/request, sequential, cache misses ${baseline.cacheMisses}/${baseline.posts} (mean ${f1(baseline.meanChars)} chars): ` +
    `${f1(baseline.postsPerS)} posts/s, ${f1(baseline.workerdCpuMsPerPost)} workerd CPU ms/post\n`,
);
out.push(
  table(
    ["job", "posts", "cached", "wall s", "posts/s", "÷ predict", "CPU ms/post", "chunk ms p50", "p90", "posts/s per consumer", "mean concurrency"],
    jobs.map((j) => [
      j.label,
      j.posts,
      j.cachedResults,
      f1(j.wallS),
      f1(j.postsPerS),
      ratio(j.postsPerS / baseline.postsPerS),
      f1(j.workerdCpuMsPerPost),
      f1(j.consumer?.chunkMsP50),
      f1(j.consumer?.chunkMsP90),
      f1(j.consumer?.postsPerSPerConsumer),
      f1(j.consumer?.meanConcurrency),
    ]),
  ),
);
out.push(`\nsubmitted as: ${jobs[0].submittedAs}; results checked: one line per input line, in order, ids match, no errors; chunk log lines seen: ${jobs.map((j) => `${j.chunkLogsSeen}/${j.chunks}`).join(", ")}`);
out.push(
  "posts/s per consumer = posts ÷ the consumer's own time per chunk (the Worker's `job chunk done` ms: range read, scoring with KV, part write, tracker report).\n" +
    "Local Miniflare runs few consumers at once on this machine (mean concurrency above); on Cloudflare, Queues scales consumer\n" +
    "invocations out with the backlog, so the per-consumer figure is the one that transfers, not the whole-job posts/s.",
);
console.log(out.join("\n"));
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(report, null, 2) + "\n");
console.error(`bench: wrote ${OUT}`);
process.exit(0);

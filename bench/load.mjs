#!/usr/bin/env node
// HTTP load on the local mhelp Worker (wrangler dev → workerd, 127.0.0.1 only) with autocannon.
//
//   npm run bench:load                       # concurrency 1, 4, 16 × {cache hit, cache miss}, 10 s each (~75 s)
//   npm run bench:load -- --duration 5 --levels 1,8 --out bench/results/my-run.json
//   options: --duration S (1-60)  --levels a,b,c (1-64)  --port N  --out FILE  --auth (keep AUTH_REQUIRED=true)
//
// Traffic: POST /v1/predict with one post (about 100 tokens, one model window) per request.
//   cache hit:  the same post every time (primed before the run), so the Worker answers from KV
//   cache miss: every request carries a post no one has sent before (autocannon request generator), so
//               every request runs the model
// Prints and writes, per level and traffic: requests/s, p50/p90/p99/max latency, 2xx, non-2xx, errors and
// timeouts, and how many answers said cached=true. The Worker runs with AUTH_REQUIRED=false (as `npm run dev`):
// API keys and the per-key rate limit (100/min) are off, so this measures the model and cache path. Loopback
// only; every phase is bounded in time; the Worker is stopped at the end.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { startLocalWorker } from "../scripts/local-worker.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const DURATION = Math.min(60, Math.max(1, Number(opt("--duration", "10"))));
const LEVELS = String(opt("--levels", "1,4,16"))
  .split(",")
  .map(Number)
  .filter((n) => Number.isInteger(n) && n >= 1 && n <= 64);
const PORT = opt("--port", null);
const OUT = opt("--out", join(root, "bench", "results", `load-${new Date().toISOString().replace(/[:.]/g, "-")}.json`));
const AUTH = args.includes("--auth");

// ---------------------------------------------------------------- posts (about 100 tokens, one window)
const WORDS = (
  "i have been feeling really low lately and i do not know who to talk to my job is stressful and my family " +
  "keeps arguing about money school exams are coming up and i cannot sleep at night anxiety makes it hard to " +
  "breathe sometimes friends stopped texting me back and i feel alone does anyone have advice on how to cope " +
  "therapy is expensive but maybe worth it my partner left last month and everything feels pointless today"
).split(" ");
let seed = 20261125;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
let serial = 0;
function uniquePost() {
  const words = [];
  for (let i = 0; i < 80; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]);
  serial++;
  return `${words.join(" ")}. does anyone have advice? (load ${serial} ${Math.floor(rand() * 1e9).toString(36)})`;
}
const body = (text) => JSON.stringify({ posts: [{ id: "1", text }] });

// ---------------------------------------------------------------- one autocannon phase
async function phase(base, { traffic, connections, hitText }) {
  let cachedTrue = 0;
  let cachedFalse = 0;
  const onResponse = (status, resBody) => {
    if (status !== 200) return;
    const s = String(resBody);
    if (s.includes('"cached":true')) cachedTrue++;
    else if (s.includes('"cached":false')) cachedFalse++;
  };
  const request =
    traffic === "hit"
      ? { method: "POST", body: body(hitText), onResponse }
      : { method: "POST", setupRequest: (req) => ({ ...req, body: body(uniquePost()) }), onResponse };
  const instance = autocannon({
    url: `${base}/v1/predict`,
    method: "POST",
    headers: { "content-type": "application/json" },
    connections,
    pipelining: 1,
    duration: DURATION,
    timeout: 30,
    requests: [request],
  });
  // a guard in case the run does not end by itself
  const guard = setTimeout(() => instance.stop(), (DURATION + 35) * 1000);
  const result = await instance;
  clearTimeout(guard);
  const r = result;
  return {
    traffic,
    connections,
    duration_s: r.duration,
    requests: r.requests.total,
    rps: r.requests.average,
    latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, mean: r.latency.average, max: r.latency.max },
    ok_2xx: r["2xx"],
    non_2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    status_codes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
    cached_true: cachedTrue,
    cached_false: cachedFalse,
  };
}

// ---------------------------------------------------------------- run
function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => "| " + cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ") + " |";
  return [line(headers), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(line)].join("\n");
}

const started = new Date();
const load0 = loadavg();
console.error(`bench:load: starting the Worker (wrangler dev, 127.0.0.1${PORT ? `:${PORT}` : ", free port"}) …`);
const worker = await startLocalWorker({ port: PORT ? Number(PORT) : undefined, vars: AUTH ? {} : { AUTH_REQUIRED: "false" } });
const rows = [];
let model = null;
try {
  const health = await (await fetch(`${worker.base}/health`)).json();
  model = health.model;
  // cold start (ORT WASM + session) happens here, outside the measurements; then prime the hit post into KV
  const hitText = uniquePost();
  const t0 = performance.now();
  const cold = await fetch(`${worker.base}/v1/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: body(hitText) });
  const coldMs = performance.now() - t0;
  if (cold.status !== 200) throw new Error(`warm-up predict answered ${cold.status}: ${(await cold.text()).slice(0, 300)}`);
  console.error(`bench:load: cold first request ${coldMs.toFixed(0)} ms; priming the cache`);
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${worker.base}/v1/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: body(hitText) });
    const json = await res.json();
    if (json.results?.[0]?.cached) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const connections of LEVELS) {
    for (const traffic of ["hit", "miss"]) {
      console.error(`bench:load: ${traffic.padEnd(4)} c=${connections} for ${DURATION} s …`);
      rows.push(await phase(worker.base, { traffic, connections, hitText }));
    }
  }
  rows.coldMs = coldMs;
} finally {
  await worker.stop();
}

const f = (x) => (typeof x === "number" ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : "-");
const report = [
  `# mhelp load benchmark — ${started.toISOString()} — model ${model?.name}@${model?.version}`,
  `autocannon 9 → wrangler dev (local workerd) on 127.0.0.1; POST /v1/predict, 1 post (~100 tokens) per request; ${DURATION} s per row; auth ${AUTH ? "on" : "off (AUTH_REQUIRED=false)"}`,
  `machine: ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ""}; load average before the run ${load0.map((x) => x.toFixed(2)).join(" ")}; cold first request ${f(rows.coldMs)} ms`,
  "",
  table(
    ["traffic", "conc.", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "requests", "2xx", "non-2xx", "errors", "timeouts", "cached=true"],
    rows.map((r) => [r.traffic === "hit" ? "cache hit" : "cache miss", r.connections, f(r.rps), f(r.latency_ms.p50), f(r.latency_ms.p90), f(r.latency_ms.p99), f(r.latency_ms.max), r.requests, r.ok_2xx, r.non_2xx, r.errors, r.timeouts, `${r.cached_true}/${r.cached_true + r.cached_false}`]),
  ),
].join("\n");
console.log(report);
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(
  OUT,
  JSON.stringify(
    {
      started: started.toISOString(),
      tool: "autocannon@9.0.0",
      target: "wrangler dev (local workerd), 127.0.0.1, POST /v1/predict",
      model,
      auth: AUTH,
      duration_s_per_row: DURATION,
      machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? null, loadavg_before: load0, node: process.versions.node },
      cold_first_request_ms: rows.coldMs,
      rows: [...rows],
    },
    null,
    2,
  ) + "\n",
);
console.error(`bench:load: wrote ${relative(root, OUT)}`);
process.exit(0);

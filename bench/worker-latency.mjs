#!/usr/bin/env node
// Latency of the mhelp Worker on local workerd (wrangler dev, 127.0.0.1 only) and of the same engine in Node.
//
//   npm run bench:worker                # full run (about 3-4 minutes on 2 cores)
//   npm run bench:worker -- --quick     # smaller sample counts
//   npm run bench:worker -- --variant fast # the Worker built with models/fast (scripts/variant.mjs)
//   options: --port N (default 8799)  --out FILE.json  --no-node  --quick  --variant NAME (default "default")
//
// Measures: wrangler start-up, the cold first prediction (ORT WASM instantiate + session + first run),
// p50/p99 for one post (cache miss with unique texts, and cache hit), batches of 8 and 32 (misses), posts/s,
// CPU ms per request of the workerd process and its RSS, ORT's WASM memory (from /health), then the same
// engine in Node (src/hosts/node.ts, onnxruntime-web WASM) and the Worker/Node ratios. Requests are
// sequential from one client. Counts and time are bounded per phase. KV state goes to a temporary folder.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const PORT = Number(opt("--port", "8799"));
const QUICK = flag("--quick");
const OUT = opt("--out", null);
const VARIANT = opt("--variant", "default");
const BASE = `http://127.0.0.1:${PORT}`;

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`Node ${process.versions.node}: wrangler needs >= 22.12; run through \`npm run bench:worker\` (scripts/with-node22.mjs).`);
  process.exit(1);
}

// ---------------------------------------------------------------- synthetic posts (about 100-120 tokens)
const WORDS = (
  "i have been feeling really low lately and i do not know who to talk to my job is stressful and my family " +
  "keeps arguing about money school exams are coming up and i cannot sleep at night anxiety makes it hard to " +
  "breathe sometimes friends stopped texting me back and i feel alone does anyone have advice on how to cope " +
  "therapy is expensive but maybe worth it my partner left last month and everything feels pointless today " +
  "work was okay though and i went for a walk with the dog which helped a little bit"
).split(" ");
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
let serial = 0;
function post() {
  const n = 95;
  const words = [];
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]);
  serial++;
  return `${words.join(" ")} (note ${serial} ${Math.floor(rand() * 1e9).toString(36)})`;
}

// ---------------------------------------------------------------- stats
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const r2 = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : "-");
const f1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? "-" : x >= 100 ? x.toFixed(0) : x.toFixed(1));

// ---------------------------------------------------------------- workerd process figures (/proc)
function children(pid) {
  const out = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {}
  }
  return out;
}
function workerdPids(rootPid) {
  const found = [];
  const stack = [rootPid];
  while (stack.length) {
    const p = stack.pop();
    for (const c of children(p)) {
      stack.push(c);
      try {
        if (readFileSync(`/proc/${c}/cmdline`, "utf8").includes("workerd")) found.push(c);
      } catch {}
    }
  }
  return found;
}
function procFigures(pids) {
  let cpuTicks = 0;
  let rssKb = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpuTicks += Number(f[11]) + Number(f[12]); // utime + stime
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {}
  }
  return { cpuMs: cpuTicks * 10, rssMb: rssKb / 1024 }; // USER_HZ = 100 on Linux
}

// ---------------------------------------------------------------- HTTP client
async function predict(posts) {
  const t0 = performance.now();
  const res = await fetch(`${BASE}/v1/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ posts: posts.map((text, i) => ({ id: String(i), text })) }),
  });
  const body = await res.json();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`predict answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return { ms, body };
}
async function health() {
  return (await fetch(`${BASE}/health`)).json();
}

/** Sequential requests: warm-up, then until `count` samples or `budgetMs` elapses. */
async function phase(name, makeBatch, { count, budgetMs, warmup = 3, expectCached }, pids) {
  for (let i = 0; i < warmup; i++) await predict(makeBatch());
  const before = procFigures(pids);
  const samples = [];
  const started = performance.now();
  let size = 0;
  while (samples.length < count && performance.now() - started < budgetMs) {
    const batch = makeBatch();
    size = batch.length;
    const { ms, body } = await predict(batch);
    if (body.results.some((r) => r.cached !== expectCached)) throw new Error(`${name}: expected cached=${expectCached}`);
    samples.push(ms);
  }
  const after = procFigures(pids);
  return {
    name,
    batch: size,
    n: samples.length,
    p50: pct(samples, 50),
    p99: pct(samples, 99),
    mean: mean(samples),
    postsPerS: (size * samples.length * 1000) / samples.reduce((a, b) => a + b, 0),
    cpuMsPerReq: pids.length ? (after.cpuMs - before.cpuMs) / samples.length : null,
    rssMb: after.rssMb || null,
  };
}

// ---------------------------------------------------------------- the Worker under wrangler dev
async function benchWorker() {
  const persist = mkdtempSync(join(tmpdir(), "mhelp-bench-kv-"));
  const log = [];
  const t0 = performance.now();
  // the default variant runs wrangler.toml as it is; another one goes through scripts/variant.mjs
  const launcher = VARIANT === "default" ? [join(root, "node_modules/wrangler/bin/wrangler.js"), "dev"]
    : [join(root, "scripts/variant.mjs"), VARIANT, "dev"];
  const child = spawn(
    process.execPath,
    [...launcher, "--ip", "127.0.0.1", "--port", String(PORT), "--persist-to", persist, "--show-interactive-dev-session=false",
      // measure the model and cache path, not key checks or rate limits (bench/load.mjs does the same)
      "--var", "AUTH_REQUIRED:false"],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" } },
  );
  child.stdout.on("data", (d) => log.push(String(d)));
  child.stderr.on("data", (d) => log.push(String(d)));
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    rmSync(persist, { recursive: true, force: true });
  };
  process.on("exit", stop);
  try {
    let ready = false;
    while (performance.now() - t0 < 90_000) {
      if (child.exitCode !== null) break;
      try {
        if ((await fetch(`${BASE}/health`)).ok) {
          ready = true;
          break;
        }
      } catch {}
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!ready) throw new Error(`wrangler dev did not answer on ${BASE} within 90 s:\n${log.join("").slice(-2000)}`);
    const startupMs = performance.now() - t0;
    const pids = workerdPids(child.pid);
    const idle = procFigures(pids);
    const h0 = await health();

    const cpu0 = procFigures(pids).cpuMs;
    const cold = await predict([post()]);
    const coldCpuMs = procFigures(pids).cpuMs - cpu0;
    const h1 = await health();
    const afterCold = procFigures(pids);

    const c = QUICK ? { b1: 40, hit: 80, b8: 10, b32: 4, t: 15_000 } : { b1: 150, hit: 300, b8: 40, b32: 12, t: 40_000 };
    const hitText = post();
    await predict([hitText]);
    await new Promise((r) => setTimeout(r, 300)); // let the KV write land
    const rows = [];
    rows.push(await phase("1 post, cache miss", () => [post()], { count: c.b1, budgetMs: c.t, expectCached: false }, pids));
    rows.push(await phase("1 post, cache hit", () => [hitText], { count: c.hit, budgetMs: c.t / 2, warmup: 5, expectCached: true }, pids));
    rows.push(await phase("8 posts, cache miss", () => Array.from({ length: 8 }, post), { count: c.b8, budgetMs: c.t, warmup: 2, expectCached: false }, pids));
    rows.push(await phase("32 posts, cache miss", () => Array.from({ length: 32 }, post), { count: c.b32, budgetMs: c.t * 1.5, warmup: 1, expectCached: false }, pids));
    const h2 = await health();
    return {
      model: h0.model,
      startupMs,
      cold: { ms: cold.ms, cpuMs: pids.length ? coldCpuMs : null, sessionInitMs: h1.runtime?.session_init_ms ?? null },
      sessionBefore: h0.session,
      wasmMemoryMb: { afterCold: (h1.runtime?.wasm_memory_bytes ?? NaN) / 2 ** 20, end: (h2.runtime?.wasm_memory_bytes ?? NaN) / 2 ** 20 },
      workerdRssMb: { idle: idle.rssMb || null, afterCold: afterCold.rssMb || null, end: procFigures(pids).rssMb || null },
      workerdPids: pids.length,
      rows,
    };
  } finally {
    stop();
    process.off("exit", stop);
  }
}

// ---------------------------------------------------------------- the same engine in Node
async function benchNode() {
  const host = join(root, "src/hosts/node.ts");
  if (!existsSync(host)) return { skipped: "src/hosts/node.ts does not exist yet" };
  const esbuild = await import("esbuild");
  mkdirSync(join(root, "build"), { recursive: true });
  // Bundle inside the checkout (build/ is git-ignored) so bare imports resolve from its node_modules.
  const outdir = mkdtempSync(join(root, "build", "bench-node-"));
  const outfile = join(outdir, "node-host.mjs");
  await esbuild.build({
    entryPoints: [host],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile,
    packages: "external",
    absWorkingDir: root,
    logLevel: "error",
  });
  const { loadNodeEngine } = await import(pathToFileURL(outfile).href);
  try {
    const t0 = performance.now();
    const engine = await loadNodeEngine(join(root, "models", VARIANT));
    await engine.predict([post()]);
    const coldMs = performance.now() - t0;
    const c = QUICK ? { b1: 40, b8: 10, b32: 4, t: 10_000 } : { b1: 150, b8: 40, b32: 12, t: 30_000 };
    const rows = [];
    for (const [name, size, count] of [["1 post", 1, c.b1], ["8 posts", 8, c.b8], ["32 posts", 32, c.b32]]) {
      for (let i = 0; i < 2; i++) await engine.predict(Array.from({ length: size }, post));
      const samples = [];
      const started = performance.now();
      while (samples.length < count && performance.now() - started < c.t) {
        const batch = Array.from({ length: size }, post);
        const s = performance.now();
        await engine.predict(batch);
        samples.push(performance.now() - s);
      }
      rows.push({ name, batch: size, n: samples.length, p50: pct(samples, 50), p99: pct(samples, 99), mean: mean(samples), postsPerS: (size * samples.length * 1000) / samples.reduce((a, b) => a + b, 0) });
    }
    return { coldMs, rssMb: process.memoryUsage().rss / 2 ** 20, rows };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report
function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => "| " + cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ") + " |";
  return [line(headers), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(line)].join("\n");
}

const started = new Date();
console.error(`bench: starting wrangler dev on ${BASE} …`);
const worker = await benchWorker();
console.error("bench: worker done; running the engine in Node …");
let node = { skipped: "--no-node" };
if (!flag("--no-node")) {
  try {
    node = await benchNode();
  } catch (err) {
    node = { skipped: `Node engine failed: ${err?.message ?? err}` };
  }
}

const out = [];
out.push(`# mhelp Worker latency — ${started.toISOString()} — model ${worker.model.name}@${worker.model.version}`);
out.push(`wrangler dev (local workerd) on 127.0.0.1, sequential client; Node ${process.versions.node}; ${QUICK ? "quick" : "full"} run\n`);
out.push(`wrangler start → /health ready: ${f1(worker.startupMs)} ms; session before first predict: ${worker.sessionBefore}`);
out.push(`cold first /v1/predict (1 post): ${f1(worker.cold.ms)} ms wall, ${f1(worker.cold.cpuMs)} ms workerd CPU, session init ${f1(worker.cold.sessionInitMs)} ms (Worker clock)`);
out.push(`ORT WASM memory: ${f1(worker.wasmMemoryMb.afterCold)} MB after cold → ${f1(worker.wasmMemoryMb.end)} MB at end (128 MB isolate limit)`);
out.push(`workerd RSS (${worker.workerdPids} process(es)): idle ${f1(worker.workerdRssMb.idle)} → after cold ${f1(worker.workerdRssMb.afterCold)} → end ${f1(worker.workerdRssMb.end)} MB\n`);
out.push(
  table(
    ["Worker", "n", "p50 ms", "p99 ms", "mean ms", "posts/s", "CPU ms/req"],
    worker.rows.map((r) => [r.name, r.n, f1(r.p50), f1(r.p99), f1(r.mean), f1(r.postsPerS), f1(r.cpuMsPerReq)]),
  ),
);
if (node.rows) {
  out.push(`\nNode ${process.versions.node}, same engine (src/hosts/node.ts, onnxruntime-web WASM, 1 thread), in-process: cold load+first predict ${f1(node.coldMs)} ms, RSS ${f1(node.rssMb)} MB\n`);
  out.push(table(["Node engine", "n", "p50 ms", "p99 ms", "mean ms", "posts/s"], node.rows.map((r) => [r.name, r.n, f1(r.p50), f1(r.p99), f1(r.mean), f1(r.postsPerS)])));
  const misses = worker.rows.filter((r) => r.name.includes("miss"));
  out.push("\nWorker (HTTP, cache miss) ÷ Node (in-process):\n");
  out.push(
    table(
      ["batch", "p50 ratio", "p99 ratio", "posts/s ratio"],
      misses.map((w) => {
        const n = node.rows.find((r) => r.batch === w.batch);
        return [w.batch, r2(w.p50 / n.p50), r2(w.p99 / n.p99), r2(w.postsPerS / n.postsPerS)];
      }),
    ),
  );
  out.push(`cold ratio (Worker first request ÷ Node load + first predict): ${r2(worker.cold.ms / node.coldMs)}`);
} else {
  out.push(`\nNode comparison skipped: ${node.skipped}`);
}
console.log(out.join("\n"));
if (OUT) {
  writeFileSync(OUT, JSON.stringify({ started: started.toISOString(), quick: QUICK, node: process.versions.node, worker, nodeEngine: node }, null, 2));
  console.error(`bench: wrote ${OUT}`);
}
process.exit(0);

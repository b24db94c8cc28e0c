#!/usr/bin/env node
// API conformance against an independent tester: starts the Worker on local workerd (wrangler dev, like
// `npm run dev`) and runs Schemathesis (pinned in scripts/requirements-conformance.txt) against the
// /openapi.json it serves, twice:
//   1. dev:  AUTH_REQUIRED=false, the document `npm run dev` serves (no security declared);
//   2. auth: AUTH_REQUIRED=true, with a key made by `scripts/api-keys.mjs create --local` sent as a header.
// All checks, a fixed seed and a bounded number of examples per operation. Exits non-zero on any finding.
// Run by scripts/test.sh; alone: `node scripts/conformance.mjs` (needs .venv-conformance, which test.sh makes).
//   env: CONFORMANCE_ST (the `st` binary), CONFORMANCE_MAX_EXAMPLES (default 50), CONFORMANCE_SEED (default 17)
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalWorker } from "./local-worker.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const st = process.env.CONFORMANCE_ST ?? join(root, ".venv-conformance", "bin", "st");
// 50: about 1,000 requests per run in 20–40 s. Schemathesis runs as an asynchronous child process: the local
// Worker's output (one log line per request, per job chunk) is read by this process's event loop, and while a
// synchronous spawn blocked it the pipe filled up, wrangler dev blocked on writing its log and the server stopped
// answering (the "stall" seen at ~300 requests before batch jobs, at ~100 with their extra log lines).
const maxExamples = process.env.CONFORMANCE_MAX_EXAMPLES ?? "50";
const seed = process.env.CONFORMANCE_SEED ?? "17";
const reportDir = join(root, "build", "conformance");
const RUN_TIMEOUT_MS = 150_000;

if (!existsSync(st)) {
  console.error(`conformance: ${st} is missing; run scripts/test.sh, or: python3 -m venv .venv-conformance && .venv-conformance/bin/pip install -r scripts/requirements-conformance.txt`);
  process.exit(2);
}
mkdirSync(reportDir, { recursive: true });

/** One Schemathesis run against a started Worker; returns {requests, findings, ok}. */
async function schemathesis(name, base, headers = []) {
  const ndjson = join(reportDir, `${name}.ndjson`);
  rmSync(ndjson, { force: true });
  const args = [
    "run", `${base}/openapi.json`,
    "--checks", "all",
    "--seed", seed,
    "--max-examples", maxExamples,
    "--workers", "1",
    "--request-timeout", "30",
    "--generation-database", "none", // the seed alone decides what is sent: no examples replayed from earlier runs
    "--report", "ndjson,junit",
    "--report-ndjson-path", ndjson,
    "--report-junit-path", join(reportDir, `${name}.xml`),
    "--output-sanitize", "true",
    ...headers.flatMap((h) => ["--header", h]),
  ];
  const started = Date.now();
  const res = await run(st, args, {
    // a wedged local server must fail the step, not hang CI: each run normally takes 20–40 s
    timeoutMs: RUN_TIMEOUT_MS,
    cwd: reportDir, // Schemathesis's own cache folder (.schemathesis/) lands there, under the ignored build/
    // conformance_hooks.py: the one rule JSON Schema cannot state (unique post ids) applied to valid cases
    env: { ...process.env, NO_COLOR: "1", SCHEMATHESIS_HOOKS: "conformance_hooks", PYTHONPATH: join(root, "scripts") },
  });
  const out = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  const { requests, findings } = countFromSummary(out);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`conformance[${name}]: exit ${res.status}, ${requests} requests, ${findings} findings, ${seconds} s`);
  // the summary (phases, failures with curl reproductions, counts) always; the whole output on a failure
  const summary = out.indexOf("=================================== SUMMARY");
  console.log(res.status !== 0 || summary < 0 ? out.slice(-30_000) : out.slice(summary));
  if (res.error) console.log(`conformance[${name}]: ${st} failed or ran over ${RUN_TIMEOUT_MS / 1000} s: ${res.error.message}`);
  return { requests, findings, ok: res.status === 0 && !res.error };
}

/** Runs a command without blocking the event loop; {status, stdout, stderr, error} like spawnSync's result. */
function run(cmd, args, { timeoutMs, cwd, env }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    let error;
    const timer = setTimeout(() => {
      error = new Error(`timed out after ${timeoutMs / 1000} s`);
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => (error = err));
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status: error ? null : status, stdout, stderr, error });
    });
  });
}

/**
 * Test cases sent and failures found, from the summary Schemathesis prints ("  N generated, M found M unique
 * failures, K skipped"; "N generated, N passed" when clean).
 */
function countFromSummary(out) {
  const m = /^\s*(\d+) generated, (.*)$/m.exec(out);
  const found = m ? /(\d+) found/.exec(m[2]) : null;
  return { requests: m ? Number(m[1]) : 0, findings: found ? Number(found[1]) : 0 };
}

// a signal (CI timeout, Ctrl-C) still stops the local Workers: local-worker.mjs ends them on process exit
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

const results = [];
const t0 = Date.now();

// 1. the dev deployment (`npm run dev`)
{
  const worker = await startLocalWorker({ vars: { AUTH_REQUIRED: "false" } });
  try {
    results.push(await schemathesis("dev", worker.base));
  } finally {
    await worker.stop();
  }
}

// 2. as deployed: keys required; a key made the way operators make them, in this run's own KV state. The
// one difference from wrangler.toml: the per-key rate limit is raised (generated config), because a run sends
// more requests per minute with its one key than the deployed limit allows and 429s would leave the routes
// behind the key untested; test/worker/auth.test.ts tests the limit itself.
{
  const config = "wrangler.conformance.generated.toml";
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const limited = toml.replace(/simple = \{ limit = \d+, period = (\d+) \}/, "simple = { limit = 100000, period = $1 }");
  if (limited === toml) throw new Error("conformance: wrangler.toml's [[ratelimits]] simple = { limit, period } line was not found");
  writeFileSync(join(root, config), `# generated by scripts/conformance.mjs from wrangler.toml (rate limit raised); do not edit\n${limited}`);
  const persist = mkdtempSync(join(tmpdir(), "mhelp-conformance-kv-"));
  try {
    const key = execFileSync(process.execPath, [join(root, "scripts/api-keys.mjs"), "create", "--name", "conformance", "--local", "--persist-to", persist], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
    const worker = await startLocalWorker({ vars: { AUTH_REQUIRED: "true" }, persistTo: persist, config });
    try {
      results.push(await schemathesis("auth", worker.base, [`Authorization: Bearer ${key}`]));
    } finally {
      await worker.stop();
    }
  } finally {
    rmSync(persist, { recursive: true, force: true });
    rmSync(join(root, config), { force: true });
  }
}

const total = results.reduce((a, r) => ({ requests: a.requests + r.requests, findings: a.findings + r.findings }), { requests: 0, findings: 0 });
console.log(`conformance: ${total.requests} requests, ${total.findings} findings in ${((Date.now() - t0) / 1000).toFixed(1)} s (reports in build/conformance/)`);
process.exit(results.every((r) => r.ok) ? 0 : 1);

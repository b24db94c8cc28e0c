// `mhelp jobs …` end to end: the bundled bin (npm run build:cli first) as a child process against a real local
// Worker (wrangler dev → workerd with its local R2 bucket, queues and Durable Object; API keys off as under
// `npm run dev`). Submits a file with one invalid line, waits, downloads; then status, results and the user
// errors (unknown or malformed job id, unreachable server).
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startLocalWorker, type LocalWorker } from "../../scripts/local-worker.mjs";
import { packageRoot } from "../../src/hosts/node";

const bin = join(packageRoot(), "bin/mhelp.mjs");
const dir = mkdtempSync(join(tmpdir(), "mhelp-jobs-cli-"));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process (the Worker's output pipes must keep draining meanwhile). */
function mhelp(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, MHELP_PROGRESS_MS: "0" };
  delete env.MHELP_URL;
  delete env.MHELP_API_KEY;
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 90_000, env }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === "number" ? err.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

/** One line on stderr, no stack frames. */
function expectOneLine(r: Run, exitCode: number, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(exitCode);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

// Written for this test: posts of the kinds the model sees (asking for help, venting, everyday news).
const POSTS = [
  "I haven't slept properly in weeks and I don't know who to talk to anymore. Has anyone been through this?",
  "Finished my first half marathon today! Legs are dead but so happy.",
  "My manager shouts at me in front of everyone and I cry in the car every morning. How do I cope?",
  "Does anyone know a therapist in Leeds who takes evening appointments? My anxiety is getting worse.",
  "Just adopted a rescue cat, she hid under the bed all day but ate her dinner.",
  "Since my dad died I can't concentrate at work. Is it normal to still feel this numb after six months?",
  "Exam results tomorrow and I feel sick. What do people do to calm down the night before?",
  "Made lasagne from scratch for the first time, it was actually edible.",
  "I keep having panic attacks on the train and now I'm scared to go to uni. Any advice would help.",
  "Our landlord is selling the flat and we have two months to find somewhere. Stressful but we'll manage.",
  "I feel like a burden to everyone around me. I don't want to feel like this, where do I even start?",
  "Started learning the guitar again after ten years, my fingers hurt.",
  "My partner and I argue every night about money and I can't sleep. Should we try couples counselling?",
  "Does anyone else get really low in winter? How did you get help for it?",
  "Went to the GP about my mood and they referred me to talking therapy. Waiting list is 12 weeks.",
  "Lost my job last week and I haven't told my family. I don't know how to tell them.",
  "Great day at the beach with the kids, everyone slept in the car on the way home.",
  "I've been drinking every night to switch my brain off. I want to stop, what helped you?",
  "Moved to a new city and I don't know anyone. How do adults make friends?",
  "My eating is out of control again and I'm ashamed to tell anyone. Is there a helpline I can text?",
];
const INVALID_LINE = 7; // 1-based

let worker: LocalWorker;
let input: string;

beforeAll(async () => {
  expect(existsSync(join(packageRoot(), "dist/mhelp-cli.mjs")), "dist/mhelp-cli.mjs is missing: run `npm run build:cli`").toBe(true);
  worker = await startLocalWorker({ vars: { AUTH_REQUIRED: "false" } });
  const lines = POSTS.map((text, i) => JSON.stringify({ id: `post-${i + 1}`, text }));
  lines[INVALID_LINE - 1] = '{"id": "post-7", "text": "the closing quote and brace are missing';
  input = join(dir, "dump.jsonl");
  writeFileSync(input, `${lines.join("\n")}\n`);
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("mhelp jobs against a local Worker", () => {
  let jobId = "";
  const output = () => join(dir, "out.jsonl");

  it("submit --wait --output: prints the id, waits, and writes one result line per input line in order", async () => {
    const r = await mhelp("jobs", "submit", "--input", input, "--wait", "--output", output(), "--url", worker.base, "--poll-ms", "200", "--locale", "en-GB");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^job_[0-9a-f]{32}\n$/);
    jobId = r.stdout.trim();
    expect(r.stderr).toContain(`${worker.base}/v1/jobs/${jobId}`);
    // the skipped line is summarised on stderr, never silently dropped
    expect(r.stderr).toMatch(/20 lines, 19 scored, 1 skipped/);
    expect(r.stderr).toMatch(new RegExp(`skipped line ${INVALID_LINE}: not valid JSON`));

    const out = readFileSync(output(), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(20);
    expect(out.map((l) => l.line)).toEqual(POSTS.map((_, i) => i + 1));
    const invalid = out[INVALID_LINE - 1]!;
    expect(invalid.error).toMatchObject({ code: "invalid_line" });
    const scored = out.filter((_, i) => i !== INVALID_LINE - 1);
    expect(scored.map((l) => l.id)).toEqual(POSTS.map((_, i) => `post-${i + 1}`).filter((_, i) => i !== INVALID_LINE - 1));
    for (const l of scored) expect(["yes", "no"]).toContain((l.help_seeking as { label: string }).label);
  }, 90_000);

  it("status prints the job's status as JSON; results saves the same lines again", async () => {
    expect(jobId, "the submit test must run first").toMatch(/^job_/);
    const s = await mhelp("jobs", "status", jobId, "--url", worker.base);
    expect(s.status, s.stderr).toBe(0);
    const status = JSON.parse(s.stdout) as { id: string; status: string; total: number; done: number; skipped: number; errors: unknown[]; options: { locale?: string } };
    expect(status).toMatchObject({ id: jobId, status: "done", total: 20, done: 19, skipped: 1, options: { locale: "en-GB" } });
    expect(status.errors).toEqual([{ line: INVALID_LINE, reason: "not valid JSON" }]);

    const again = join(dir, "again.jsonl");
    const r = await mhelp("jobs", "results", jobId, "--output", again, "--url", worker.base, "--no-progress");
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(again, "utf8")).toBe(readFileSync(output(), "utf8"));
  }, 60_000);

  it("an unknown or malformed job id is a user error (exit 2, one line) and leaves the output file alone", async () => {
    const keep = join(dir, "keep.jsonl");
    writeFileSync(keep, "precious\n");
    const unknown = `job_${"0".repeat(32)}`;
    expectOneLine(await mhelp("jobs", "status", unknown, "--url", worker.base), 2, new RegExp(`mhelp jobs status: no job "${unknown}"`));
    expectOneLine(await mhelp("jobs", "results", unknown, "--output", keep, "--url", worker.base), 2, /no job/);
    expect(readFileSync(keep, "utf8")).toBe("precious\n");
    expectOneLine(await mhelp("jobs", "cancel", "12345", "--url", worker.base), 2, /"12345" is not a job id/);
    expectOneLine(await mhelp("jobs", "frobnicate"), 2, /unknown subcommand "frobnicate"/);
    expectOneLine(await mhelp("jobs", "submit", "--input", input, "--cache", "sometimes", "--url", worker.base), 2, /--cache must be one of read_write, read, off/);
  }, 60_000);

  it("an unreachable server is one line naming the fix, exit 1", async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    expectOneLine(await mhelp("jobs", "submit", "--input", input, "--url", nobody), 1, /cannot reach http:\/\/127\.0\.0\.1:\d+ .*npm run dev.*--url/);
  }, 30_000);

  it("callback_url is called once with the finished job's status (no post text)", async () => {
    const received: Array<{ method: string; type: string; body: string }> = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        received.push({ method: req.method ?? "", type: req.headers["content-type"] ?? "", body });
        res.end("ok");
      });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    try {
      const callback = encodeURIComponent(`http://127.0.0.1:${port}/mhelp-done`);
      const res = await fetch(`${worker.base}/v1/jobs?callback_url=${callback}`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: POSTS.slice(0, 3).map((text, i) => JSON.stringify({ id: `c${i}`, text })).join("\n"),
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      const deadline = Date.now() + 60_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ method: "POST", type: "application/json" });
      const status = JSON.parse(received[0]!.body) as { id: string; status: string; done: number; options: { callback: boolean } };
      expect(status).toMatchObject({ id, status: "done", done: 3, options: { callback: true } });
      for (const text of POSTS.slice(0, 3)) expect(received[0]!.body).not.toContain(text.slice(0, 30));
    } finally {
      server.close();
    }
  }, 90_000);

  it("--help lists the subcommands and each subcommand's options", async () => {
    const top = await mhelp("jobs", "--help");
    expect(top.status).toBe(0);
    for (const sub of ["submit", "status", "results", "cancel"]) expect(top.stdout).toContain(`mhelp jobs ${sub}`);
    const submit = await mhelp("jobs", "submit", "--help");
    expect(submit.stdout).toMatch(/--wait[\s\S]*--output[\s\S]*--url[\s\S]*MHELP_URL[\s\S]*--api-key/);
    expect((await mhelp("--help")).stdout).toContain("mhelp jobs submit");
  }, 30_000);
});

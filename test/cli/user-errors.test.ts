// Issue 15, CLI side: user errors never lose data or crash. A failing run leaves an existing output
// byte-identical; every user error is one line with exit code 2 and no stack frames (unless --debug);
// eval with nothing to score exits 1; --version and per-command --help; --max-chars skips long posts by
// line number; the progress line on stderr. Runs the bundled bin (npm run build:cli first).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Progress } from "../../src/cli/progress";
import { DEFAULT_MAX_CHARS } from "../../src/cli/result";
import { packageRoot } from "../../src/hosts/node";
import { DEFAULT_MAX_CHARS_PER_POST } from "../../src/worker/schemas";

const dir = mkdtempSync(join(tmpdir(), "mhelp-usererr-"));
const bin = join(packageRoot(), "bin/mhelp.mjs");
const mhelp = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, MHELP_PROGRESS_MS: "0" } });

const KEEP = '{"id":"old","precious":true}\n'.repeat(3);
function keepFile(name: string): string {
  const p = join(dir, name);
  writeFileSync(p, KEEP);
  return p;
}
const posts = join(dir, "posts.jsonl");
writeFileSync(
  posts,
  [
    JSON.stringify({ id: "a", text: "I have had panic attacks every night for a month. What helped you?" }),
    JSON.stringify({ id: "b", text: "x".repeat(80) }),
    JSON.stringify({ id: "c", text: "Finished my first week at the new job today." }),
  ].join("\n"),
);

/** One line on stderr, exit 2, no stack frames. */
function expectUserError(r: ReturnType<typeof mhelp>, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe("never lose data", () => {
  it("a missing input leaves an existing output byte-identical (predict, redact, eval)", () => {
    const keep = keepFile("keep.jsonl");
    expectUserError(mhelp("predict", "--input", join(dir, "missing.jsonl"), "--output", keep), /--input .*missing\.jsonl does not exist/);
    expectUserError(mhelp("redact", "--input", join(dir, "missing.jsonl"), "--output", keep), /does not exist/);
    expectUserError(mhelp("eval", "--input", join(dir, "missing.jsonl"), "--output", keep, "--predictions", keep), /does not exist/);
    expect(readFileSync(keep, "utf8")).toBe(KEEP);
  });

  it("an invalid option leaves the output untouched, and a run that fails midway (--strict) too", () => {
    const keep = keepFile("keep2.jsonl");
    expectUserError(mhelp("predict", "--input", posts, "--output", keep, "--precision", "x"), /--precision must be a whole number/);
    expect(readFileSync(keep, "utf8")).toBe(KEEP);
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, [JSON.stringify({ id: "a", text: "fine text here" }), "{broken"].join("\n"));
    const r = mhelp("redact", "--input", bad, "--output", keep, "--strict");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/line 2: not valid JSON/);
    expect(readFileSync(keep, "utf8")).toBe(KEEP);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]); // no temporary file left behind
  });

  it("a complete run replaces the output", () => {
    const keep = keepFile("keep3.jsonl");
    const r = mhelp("redact", "--input", posts, "--output", keep);
    expect(r.status).toBe(0);
    expect(readFileSync(keep, "utf8").trim().split("\n")).toHaveLength(3);
  });
});

describe("never crash on user error", () => {
  it("an output folder that does not exist", () => {
    expectUserError(mhelp("predict", "--input", posts, "--output", "/nonexistent/dir/x.jsonl"), /folder \/nonexistent\/dir does not exist/);
    expectUserError(mhelp("redact", "--input", posts, "--output", "/nonexistent/dir/x.jsonl"), /does not exist/);
  });

  it("unknown flags, unknown commands, bad values, folders as files", () => {
    expectUserError(mhelp("predict", "--input", posts, "--output", join(dir, "o.jsonl"), "--bogus"), /Unknown option '--bogus'.*mhelp predict --help/);
    expectUserError(mhelp("redact", "--input", posts, "--output", join(dir, "o.jsonl"), "--model", "x"), /Unknown option '--model'/);
    expectUserError(mhelp("frobnicate"), /unknown command "frobnicate"/);
    expectUserError(mhelp("predict", "--input", posts, "--output", join(dir, "o.jsonl"), "--format", "xml"), /--format must be jsonl or csv/);
    expectUserError(mhelp("predict", "--input", posts, "--output", join(dir, "o.jsonl"), "--fields", "nope"), /unknown field\(s\) nope/);
    expectUserError(mhelp("predict", "--input", posts, "--output", join(dir, "o.jsonl"), "--max-chars", "0"), /--max-chars must be a whole number/);
    expectUserError(mhelp("predict", "--input", dir, "--output", join(dir, "o.jsonl")), /is a folder/);
    expectUserError(mhelp("predict", "--input", posts, "--output", dir), /is a folder/);
    expectUserError(mhelp("predict", "--input", posts, "--output", join(dir, "o.jsonl"), "--model", dir), /has no model\.json/);
    expectUserError(mhelp("predict", "--input", posts), /--output is required/);
  });

  it("a folder without write permission", () => {
    // root may write into any folder whatever its mode (CI runs as root): there, sysfs refuses new files
    const ro = process.getuid?.() === 0 ? "/sys" : mkdtempSync(join(tmpdir(), "mhelp-ro-"));
    if (ro !== "/sys") chmodSync(ro, 0o555);
    expectUserError(mhelp("redact", "--input", posts, "--output", join(ro, "x.jsonl")), /not permitted/);
  });

  it("--debug adds the stack trace", () => {
    const r = mhelp("predict", "--input", posts, "--output", "/nonexistent/dir/x.jsonl", "--debug");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});

describe("eval with nothing to score", () => {
  it("exits 1 with a message and writes no metrics", () => {
    const input = join(dir, "unlabelled.jsonl");
    writeFileSync(input, [JSON.stringify({ id: "a", text: "no labels" }), "{broken"].join("\n"));
    const keep = keepFile("metrics.json");
    const r = mhelp("eval", "--input", input, "--output", keep);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nothing could be scored: all 2 records were skipped/);
    expect(r.stderr).toMatch(/skipped lines 1, 2/);
    expect(readFileSync(keep, "utf8")).toBe(KEEP);
  }, 60_000);
});

describe("--version and --help", () => {
  it("--version names the package and the model", () => {
    const r = mhelp("--version");
    const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8"));
    const model = JSON.parse(readFileSync(join(packageRoot(), "models/default/model.json"), "utf8"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`mhelp ${pkg.version}`);
    expect(r.stdout).toContain(`${model.name}@${model.version}`);
  });

  it.each(["predict", "redact", "eval"])("mhelp %s --help", (cmd) => {
    const r = mhelp(cmd, "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^mhelp ${cmd} --input`));
    expect(r.stdout).toContain("--strict");
  });
});

describe("--max-chars and progress", () => {
  it("defaults to the API's per-post limit", () => {
    // config.ts's MAX_CHARS_PER_POST default is the same constant; wrangler.toml ships that value
    expect(DEFAULT_MAX_CHARS).toBe(DEFAULT_MAX_CHARS_PER_POST);
    const toml = readFileSync(join(packageRoot(), "wrangler.toml"), "utf8");
    expect(toml).toMatch(new RegExp(`MAX_CHARS_PER_POST\\s*=\\s*"${DEFAULT_MAX_CHARS}"`));
  });

  it("skips longer posts and reports them by line number; prints progress lines when not a TTY", () => {
    const out = join(dir, "p.jsonl");
    const r = mhelp("predict", "--input", posts, "--output", out, "--max-chars", "70");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/skipped line 2: text is too long: the limit is 70 characters/);
    expect(r.stderr).toMatch(/read 3 records, wrote 2, skipped 1/);
    expect(r.stderr).toMatch(/skipped lines 2\n/);
    expect(r.stderr).toMatch(/^mhelp: predicted 2 posts 100% [\d.]+ posts\/s in /m);
    expect(r.stderr).not.toContain("\r");
    expect(readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l).id)).toEqual(["a", "c"]);
  }, 60_000);

  it("draws a live bar with rate and ETA on a TTY", () => {
    let t = 0;
    const chunks: string[] = [];
    const p = new Progress("predicted", { tty: true, intervalMs: 100, totalBytes: 1000, write: (s) => chunks.push(s), now: () => t });
    t = 1000;
    p.update(10, 250);
    p.log("skipped line 3: x");
    t = 2000;
    p.update(20, 500);
    p.finish();
    const all = chunks.join("");
    expect(all).toContain("\r\x1b[2Kmhelp: predicted 10 posts [#####...............] 25% 10.0 posts/s ETA 3s");
    expect(all).toContain("skipped line 3: x\n");
    expect(all).toContain("ETA 2s");
    expect(all.endsWith("100% 10.0 posts/s in 2s\n")).toBe(true);
  });
});

it("no output file is created when the input is missing", () => {
  const out = join(dir, "never.jsonl");
  mhelp("predict", "--input", join(dir, "missing.jsonl"), "--output", out);
  expect(existsSync(out)).toBe(false);
});

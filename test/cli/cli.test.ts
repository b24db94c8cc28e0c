// The batch CLI: same engine as the Worker, bad lines counted and reported (never dropped silently),
// --strict makes them fatal. Input texts are written for the test.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPredict, runRedact } from "../../src/cli/commands";
import { BadLineError } from "../../src/cli/jsonl";
import type { Engine } from "../../src/engine/engine";
import { loadNodeEngine, packageRoot } from "../../src/hosts/node";
import { PRIMARY_TASKS } from "../../src/engine/codebook";
import { PredictResultSchema } from "../../src/worker/schemas";

const dir = mkdtempSync(join(tmpdir(), "mhelp-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const input = join(dir, "posts.jsonl");
writeFileSync(
  input,
  [
    JSON.stringify({ id: "a", text: "I have panic attacks every night. Any tips? Write me at me@example.com", lang: "en" }),
    "{not json",
    "",
    JSON.stringify({ id: "b" }),
    JSON.stringify({ id: 7, text: "Just wanted to share that I finished my first week at the new job!" }),
    JSON.stringify({ id: "c", text: "   " }),
    JSON.stringify(["array"]),
  ].join("\n"),
);

const readJsonl = (p: string) =>
  readFileSync(p, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("mhelp redact", () => {
  it("redacts text, keeps other fields, and counts skipped lines by reason", async () => {
    const output = join(dir, "redacted.jsonl");
    const logs: string[] = [];
    const s = await runRedact({ input, output, strict: false, log: (m) => logs.push(m) });
    expect(s).toMatchObject({ read: 6, written: 2, skipped: 4 });
    expect(s.skippedByReason).toEqual({
      "not valid JSON": 1,
      'missing "text" (string)': 1,
      '"text" is empty': 1,
      "not a JSON object": 1,
    });
    expect(logs.some((l) => l.includes("line 2"))).toBe(true);
    const rows = readJsonl(output);
    expect(rows[0]).toEqual({ id: "a", text: "I have panic attacks every night. Any tips? Write me at [EMAIL]", lang: "en" });
    expect(rows[1].id).toBe(7);
    // one e-mail replaced in the first record; the second record's text is counted the same way
    expect(s.replaced?.EMAIL).toBe(1);
    expect(Object.keys(s.replaced ?? {})).toEqual(["URL", "EMAIL", "USER", "IP", "PHONE", "NAME"]);
  });

  it("counts each placeholder it adds, not those already in the input", async () => {
    const input2 = join(dir, "ids.jsonl");
    writeFileSync(
      input2,
      [
        { id: 1, text: "my friend Sarah and u/helper_1 said mail jo [at] mail [dot] com or call (555) 123-4567" },
        { id: 2, text: "already [NAME] and [USER]; server [2001:db8::1]:8080 and Dr. Patel" },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    const s = await runRedact({ input: input2, output: join(dir, "ids-out.jsonl"), strict: false, log: () => {} });
    expect(s.replaced).toEqual({ URL: 0, EMAIL: 1, USER: 1, IP: 1, PHONE: 1, NAME: 2 });
  });

  it("--strict stops at the first bad line with its number", async () => {
    await expect(runRedact({ input, output: join(dir, "x.jsonl"), strict: true, log: () => {} })).rejects.toThrow(BadLineError);
    await expect(runRedact({ input, output: join(dir, "x.jsonl"), strict: true, log: () => {} })).rejects.toThrow(/line 2/);
  });
});

describe("mhelp predict", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await loadNodeEngine();
  }, 60_000);

  it("writes the API's result object (PredictResultSchema) for every post the API would accept", async () => {
    const output = join(dir, "preds.jsonl");
    const logs: string[] = [];
    const s = await runPredict(engine, { input, output, strict: false, log: (m) => logs.push(m), chunk: 2 });
    // the API's post rules: a numeric id (line 5) and an extra field (line 1, "lang") are skipped too
    expect(s).toMatchObject({ read: 6, written: 0, skipped: 6 });
    expect(s.skippedLines).toEqual([1, 2, 4, 5, 6, 7]);
    expect(logs).toContain('skipped line 5: id must be a string, e.g. "t3_abc123"');
    expect(logs).toContain('skipped line 1: unknown field(s) "lang"; a post has only "id" and "text"');
    expect(logs).toContain("skipped line 6: text is empty or only whitespace; send the post's body");

    const apiInput = join(dir, "api-posts.jsonl");
    const texts = [
      "I have panic attacks every night. Any tips? Write me at me@example.com",
      "Just wanted to share that I finished my first week at the new job!",
    ];
    writeFileSync(apiInput, texts.map((text, i) => JSON.stringify({ id: `p${i}`, text })).join("\n"));
    const s2 = await runPredict(engine, { input: apiInput, output, strict: false, log: () => {}, chunk: 2, precision: 6 });
    expect(s2).toMatchObject({ read: 2, written: 2, skipped: 0 });
    const rows = readJsonl(output);
    expect(rows.map((r) => r.id)).toEqual(["p0", "p1"]);
    for (const row of rows) {
      expect(PredictResultSchema.parse(row)).toEqual(row);
      for (const head of engine.heads) {
        const r = PRIMARY_TASKS.includes(head.task as never) ? row[head.task] : row.aux[head.task];
        expect(Object.keys(r.probs)).toEqual(head.labels);
        if (head.kind === "single_label") expect(head.labels).toContain(r.label);
        else expect(Array.isArray(r.labels)).toBe(true);
      }
      expect(row).not.toHaveProperty("text");
      expect(row).not.toHaveProperty("notice");
      expect(row.cached).toBe(false);
    }
    // the same posts through the engine directly give the same numbers (one engine for every surface)
    const direct = await engine.predict(texts);
    expect(rows[0].help_seeking.probs.yes).toBeCloseTo(direct[0]!.heads.help_seeking!.probs.yes!, 6);
    // --precision rounds every probability
    await runPredict(engine, { input: apiInput, output, strict: false, log: () => {}, chunk: 2, precision: 2 });
    for (const row of readJsonl(output)) {
      for (const p of Object.values(row.help_seeking.probs) as number[]) expect(Math.round(p * 100) / 100).toBe(p);
    }
  }, 60_000);

  it("runs as `mhelp` from the checkout (bundled bin) and reports a summary on stderr", () => {
    const root = packageRoot();
    const output = join(dir, "bin-preds.jsonl");
    const r = spawnSync(process.execPath, [join(root, "bin/mhelp.mjs"), "predict", "--input", input, "--output", output], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/read 6 records, wrote 0, skipped 6/);
    expect(r.stderr).toMatch(/skipped lines 1, 2, 4, 5, 6, 7/);
    // the decision-support notice: once, in the summary on stderr
    expect(r.stderr.split("decision support for trained humans").length - 1).toBe(1);
    expect(readFileSync(output, "utf8")).toBe("");
    const strict = spawnSync(process.execPath, [join(root, "bin/mhelp.mjs"), "predict", "--input", input, "--output", output, "--strict"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/line 1: unknown field\(s\) "lang"/);
  }, 150_000);

  it("--profile decides help_seeking.label by the model's threshold for it (balanced by default) and names it", () => {
    const root = packageRoot();
    const model = JSON.parse(readFileSync(join(root, "models/default/model.json"), "utf8"));
    const apiInput = join(dir, "profile-posts.jsonl");
    const texts = [
      "I have panic attacks every night. Any tips?",
      "Should I tell my therapist that the new medication makes me feel numb? I don't know what to do.",
      "Some days are harder than others. Today was one of them.",
      "Just wanted to share that I finished my first week at the new job!",
    ];
    writeFileSync(apiInput, texts.map((text, i) => JSON.stringify({ id: `p${i}`, text })).join("\n"));
    for (const profile of [undefined, "high_recall", "balanced", "high_precision"]) {
      const output = join(dir, `profile-${profile ?? "default"}.jsonl`);
      const args = ["predict", "--input", apiInput, "--output", output, "--precision", "12", "--no-progress", ...(profile ? ["--profile", profile] : [])];
      const r = spawnSync(process.execPath, [join(root, "bin/mhelp.mjs"), ...args], { encoding: "utf8", timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      const name = profile ?? "balanced";
      expect(r.stderr).toContain(`profile ${name} (p(yes) >= ${model.profiles.thresholds[name]})`);
      const rows = readJsonl(output);
      expect(rows).toHaveLength(texts.length);
      for (const row of rows) {
        expect(row.profile).toBe(name);
        expect(row.help_seeking.label).toBe(row.help_seeking.probs.yes >= model.profiles.thresholds[name] ? "yes" : "no");
      }
    }
    const bad = spawnSync(process.execPath, [join(root, "bin/mhelp.mjs"), "predict", "--input", apiInput, "--output", join(dir, "x.jsonl"), "--profile", "paranoid"], {
      encoding: "utf8",
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/--profile must be one of high_recall, balanced, high_precision \(got "paranoid"\)/);
  }, 300_000);

  it("rejects bad arguments with a usage message", () => {
    const r = spawnSync(process.execPath, [join(packageRoot(), "bin/mhelp.mjs"), "predict", "--input", input], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--output is required/);
  });
});

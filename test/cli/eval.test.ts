// `mhelp eval`: label parsing (gold and corpus formats), bad lines counted like `predict`, and the metric
// arithmetic checked against values computed by hand (a fake engine returns fixed decisions). The last
// test runs the real shipped model end to end. Every text here is written for the test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { computeMetrics, NothingToScoreError, parseLabels, runEval, type LabelledPost, type PostDecision, type Predictor } from "../../src/cli/evaluate";
import { auroc } from "../../src/cli/metrics";
import type { Prediction } from "../../src/engine/types";
import { loadNodeEngine } from "../../src/hosts/node";

const dir = mkdtempSync(join(tmpdir(), "mhelp-eval-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Four posts with labels, plus the decisions a fake model makes for them.
const CASES: Array<{ record: Record<string, unknown>; decision: Omit<PostDecision, "id"> }> = [
  {
    record: { id: "p1", text: "My boss yells at me daily, how do I cope?", help_seeking: "yes", condition: "anxiety", causes: ["work"] },
    decision: { help_seeking: "yes", p_yes: 0.9, condition: "anxiety", causes: ["work", "school"] },
  },
  {
    record: { id: "p2", text: "Had a lovely walk by the lake today.", help_seeking: "no", condition: "none", causes: [] },
    decision: { help_seeking: "yes", p_yes: 0.6, condition: "none", causes: [] },
  },
  {
    // corpus format: only some causes are known
    record: { id: "p3", text: "Things at home are tense, any advice?", labels: { help_seeking: "yes", condition: "depression", causes: { family: 1, work: 0 } } },
    decision: { help_seeking: "no", p_yes: 0.4, condition: "anxiety", causes: ["family"] },
  },
  {
    record: { id: 4, text: "Just needed to vent about my racing thoughts.", help_seeking: "no", condition: "anxiety" },
    decision: { help_seeking: "no", p_yes: 0.2, condition: "anxiety", causes: ["grief"] },
  },
];

function fakeEngine(): Predictor {
  const byText = new Map(CASES.map((c) => [c.record.text as string, c.decision]));
  return {
    predict: async (texts: string[]): Promise<Prediction[]> =>
      texts.map((t) => {
        const d = byText.get(t)!;
        return {
          heads: {
            help_seeking: { label: d.help_seeking, probs: { no: 1 - d.p_yes, yes: d.p_yes } },
            condition: { label: d.condition, probs: {} },
            causes: { labels: d.causes, probs: {} },
          },
          windows: 1,
          tokens: 10,
        };
      }),
  };
}

function writeInput(extra: string[] = []): string {
  const path = join(dir, `labelled-${extra.length}.jsonl`);
  writeFileSync(path, [...CASES.map((c) => JSON.stringify(c.record)), ...extra].join("\n"));
  return path;
}

// Hand-computed (see the comments): what metrics.py's issue_metrics also gives for these decisions
// (scripts/tests/test_evidence.py checks the same case in Python).
const EXPECTED = {
  // truth yes,no,yes,no vs pred yes,yes,no,no: tp 1, fp 1, fn 1
  help_seeking: { n: 4, accuracy: 0.5, precision: 0.5, recall: 0.5, f1: 0.5, auroc: 0.75 }, // 3 of 4 pos>neg pairs
  // anxiety: tp 2, fp 1 -> 0.8; none: 1; depression: 0 -> macro 0.6
  condition: { n: 4, accuracy: 0.75, macro_f1: 0.6 },
  // known entries: work tp, school fp (p1), family tp (p3); grief on p4 has no causes label -> ignored
  causes: { n: 3, micro_f1: 0.8, macro_f1: 1 },
};

describe("mhelp eval: labels", () => {
  it("reads the gold format and the corpus format", () => {
    expect(parseLabels({ help_seeking: "yes", condition: "anxiety", causes: ["work"] })).toMatchObject({
      help_seeking: "yes",
      condition: "anxiety",
      causes: { work: 1, family: 0, grief: 0 },
    });
    expect(parseLabels({ labels: { causes: { family: 1 } } })).toEqual({ causes: { family: 1 } });
  });

  it("rejects unknown labels and records without any label", () => {
    expect(parseLabels({ help_seeking: "maybe" })).toMatch(/help_seeking/);
    expect(parseLabels({ condition: "sad" })).toMatch(/unknown condition/);
    expect(parseLabels({ causes: ["weather"] })).toMatch(/unknown causes/);
    expect(parseLabels({ lang: "en" })).toBe("no help_seeking, condition or causes label");
  });
});

describe("mhelp eval: metric arithmetic", () => {
  it("AUROC counts ties as one half", () => {
    expect(auroc([0.5, 0.5], [true, false])).toBe(0.5);
    expect(auroc([0.1, 0.9, 0.9, 0.3], [false, true, false, true])).toBe(0.625);
    expect(auroc([0.3], [true])).toBeNull();
  });

  it("matches hand-computed values", () => {
    const posts = CASES.map((c, i) => ({ line: i + 1, id: String(c.record.id), text: c.record.text, labels: parseLabels(c.record) }) as LabelledPost);
    const m = computeMetrics(posts, CASES.map((c) => ({ id: "", ...c.decision })));
    expect(m.help_seeking).toMatchObject(EXPECTED.help_seeking);
    expect(m.condition).toMatchObject(EXPECTED.condition);
    expect(m.condition!.f1_per_label).toEqual({ depression: 0, anxiety: 0.8, none: 1 });
    expect(m.causes!.n).toBe(3);
    expect(m.causes!.micro_f1).toBeCloseTo(0.8, 12);
    expect(m.causes!.macro_f1).toBe(1);
    expect(m.causes!.f1_per_label).toEqual({ family: 1, work: 1 });
  });

  it("counts and reports bad lines like predict, and writes decisions without text", async () => {
    const input = writeInput(["{broken", JSON.stringify({ id: "x", text: "no labels here" }), JSON.stringify({ id: "y", text: "hi", condition: "sad" })]);
    const logs: string[] = [];
    const predictions = join(dir, "decisions.jsonl");
    const res = await runEval(fakeEngine(), { input, strict: false, log: (l) => logs.push(l), predictions });
    expect(res.summary).toMatchObject({ read: 7, written: 4, skipped: 3 });
    expect(res.summary.skippedByReason).toEqual({
      "not valid JSON": 1,
      "no help_seeking, condition or causes label": 1,
      'unknown condition label "sad"': 1,
    });
    expect(logs.some((l) => l.includes("line 5"))).toBe(true);
    expect(res.metrics.help_seeking).toMatchObject(EXPECTED.help_seeking);
    const rows = readFileSync(predictions, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((r) => r.id)).toEqual(["p1", "p2", "p3", "4"]);
    expect(rows[0]).not.toHaveProperty("text");
    await expect(runEval(fakeEngine(), { input, strict: true, log: () => {} })).rejects.toThrow(/line 5/);
  });
});

describe("mhelp eval: nothing to score", () => {
  it("throws NothingToScoreError (the CLI exits 1) when every line was skipped, and writes no decisions", async () => {
    const input = join(dir, "all-bad.jsonl");
    writeFileSync(input, ["{broken", JSON.stringify({ id: "x", text: "no labels here" }), JSON.stringify({ id: "y", text: "x".repeat(50), help_seeking: "yes" })].join("\n"));
    const predictions = join(dir, "kept-decisions.jsonl");
    writeFileSync(predictions, "old\n");
    const run = runEval(fakeEngine(), { input, strict: false, log: () => {}, predictions, maxChars: 40 });
    await expect(run).rejects.toThrow(NothingToScoreError);
    await expect(runEval(fakeEngine(), { input, strict: false, log: () => {}, maxChars: 40 })).rejects.toThrow(/nothing could be scored: all 3 records were skipped/);
    expect(readFileSync(predictions, "utf8")).toBe("old\n");
  });
});

describe("mhelp eval: shipped model", () => {
  it("evaluates with the real engine, decisions equal to predict", async () => {
    const engine = await loadNodeEngine();
    const res = await runEval(engine, { input: writeInput(), strict: false, log: () => {}, chunk: 3 });
    const direct = await engine.predict(CASES.map((c) => c.record.text as string));
    expect(res.decisions.map((d) => d.condition)).toEqual(direct.map((p) => (p.heads.condition as { label: string }).label));
    expect(res.decisions.map((d) => d.help_seeking)).toEqual(direct.map((p) => (p.heads.help_seeking as { label: string }).label));
    for (const v of [res.metrics.help_seeking!.f1, res.metrics.condition!.accuracy, res.metrics.causes!.micro_f1]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  }, 120_000);
});

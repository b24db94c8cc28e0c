// The lexical heads (src/engine/lexical.ts): the shipped lexical.json gives the Python reference's logits on the
// shared vectors (scripts/mhelp_pipeline/train/lexical_heads.py writes them from made-up posts), the mix is the
// documented one, and a broken file or a model that names lexical heads without them fails at load with a message.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine";
import { LexicalHeads, mixLogits, ngramCounts } from "../../src/engine/lexical";
import { NORMALISATION_VERSION, normalise } from "../../src/engine/normalise";
import type { OrtModuleLike } from "../../src/engine/types";
import vectors from "../fixtures/lexical-vectors.json";

const VARIANTS = ["default", "fast"] as const;
const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
const shipped = read("models/default/lexical.json");

describe("the lexical heads (shared vectors with scripts/mhelp_pipeline/runtime/lexical.py)", () => {
  const lexical = LexicalHeads.parse(shipped, NORMALISATION_VERSION);

  it.each(vectors.cases.map((c, i) => [i, c] as const))("case %i: the Python reference's logits", (_, c) => {
    expect(normalise(c.text)).toBe(c.normalised);
    const got = lexical.logits(c.normalised);
    expect(Object.keys(got).sort()).toEqual(Object.keys(c.logits).sort());
    for (const [task, z] of Object.entries(c.logits)) {
      expect(got[task]).toHaveLength(z.length);
      z.forEach((v, j) => expect(Math.abs(got[task]![j]! - v)).toBeLessThan(1e-9));
    }
  });

  it("gives a post without a known word its biases, and different posts different logits", () => {
    const none = lexical.logits("qqqq zzzz");
    const heads = shipped.heads as Array<{ task: string; bias: number[] }>;
    for (const h of heads) expect(none[h.task]).toEqual(h.bias);
    const a = lexical.logits("i lost my job and can't pay rent, any advice?");
    const b = lexical.logits("my grandmother died and i miss her");
    expect(a.causes).not.toEqual(b.causes);
  });

  it("every shipped variant carries the same file, the one model.json names and fingerprints", async () => {
    const { createHash } = await import("node:crypto");
    for (const v of VARIANTS) {
      const meta = read(`models/${v}/model.json`) as { lexical: { file: string; sha256: string } };
      const bytes = readFileSync(`models/${v}/${meta.lexical.file}`);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(meta.lexical.sha256);
      expect(JSON.parse(bytes.toString("utf8"))).toEqual(shipped);
    }
  });
});

describe("ngramCounts", () => {
  it("counts unigrams first, then bigrams, in order of first occurrence", () => {
    expect([...ngramCounts(["a", "b", "a", "b"], 2)]).toEqual([
      ["a", 2],
      ["b", 2],
      ["a b", 2],
      ["b a", 1],
    ]);
    expect([...ngramCounts([], 2)]).toEqual([]);
  });
});

describe("mixLogits", () => {
  it("is (1 - w) * window + w * lexical, and the window itself at w = 0 or without lexical logits", () => {
    expect(mixLogits([2, -4], [0, 4], 0.25)).toEqual([1.5, -2]);
    const window = [1, 2];
    expect(mixLogits(window, [5, 5], 0)).toBe(window);
    expect(mixLogits(window, undefined, 0.5)).toBe(window);
  });
});

describe("LexicalHeads.parse refuses a broken file with a message", () => {
  const broken = (edit: (f: Record<string, unknown>) => void) => {
    const f = structuredClone(shipped);
    edit(f);
    return () => LexicalHeads.parse(f, NORMALISATION_VERSION);
  };
  type Edit = (f: Record<string, unknown>) => void;
  const cases: Array<[string, Edit, RegExp]> = [
    ["format", (f) => void (f.format_version = 9), /format_version 9; this engine reads 1/],
    ["normalisation", (f) => void (f.normalisation_version = 1), /normalisation v1/],
    ["weights", (f) => void ((f.weights as Record<string, number[]>).causes = [1, 2]), /head causes: weights/],
    ["idf", (f) => void (f.idf = [1]), /vocabulary and idf/],
    ["a missing number", (f) => void ((f.heads as Array<{ bias: unknown[] }>)[0]!.bias[0] = null), /bias and weights must be finite numbers/],
    ["no n-grams", (f) => void ((f.rules as { ngram_max: number }).ngram_max = 0), /ngram_max \(an integer of at least 1\)/],
  ];
  it.each(cases)("%s", (_, edit, message) => expect(broken(edit)).toThrow(message));
});

describe("Engine.load with lexical heads", () => {
  const meta = read("models/default/model.json");
  const tokenizer = read("models/default/tokenizer.json");
  // a session with every head's output: the checks under test run after it is created
  const ort = {
    InferenceSession: { create: async () => ({ inputNames: [], outputNames: (meta.heads as Array<{ task: string }>).map((h) => h.task), run: async () => ({}) }) },
    Tensor: class {},
  } as unknown as OrtModuleLike;
  it("refuses a lexical.json whose labels for a weighted head are in another order", async () => {
    const swapped = structuredClone(shipped) as { heads: Array<{ task: string; labels: string[] }> };
    const causes = swapped.heads.find((h) => h.task === "causes")!;
    causes.labels = [causes.labels[1]!, causes.labels[0]!, ...causes.labels.slice(2)];
    await expect(Engine.load({ metadata: meta, onnx: new Uint8Array(), tokenizer, lexical: swapped }, ort)).rejects.toThrow(
      /lexical.json has no head "causes" with the labels \[relationship, family/,
    );
    await expect(Engine.load({ metadata: meta, onnx: new Uint8Array(), tokenizer, lexical: shipped }, ort)).resolves.toBeInstanceOf(Engine);
  });
  it("refuses a model.json that names lexical heads when none are passed", async () => {
    await expect(Engine.load({ metadata: meta, onnx: new Uint8Array(), tokenizer }, ort)).rejects.toThrow(
      /names lexical heads \(lexical.json\) but none were loaded/,
    );
  });
});

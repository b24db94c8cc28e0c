// The TypeScript tokenizer + engine must reproduce the Python reference (scripts/mhelp_pipeline/
// runtime/inference.py run by `python -m mhelp_pipeline reference`) on a fixed set of texts written for the test.
// The reference runs the ONNX graph in the same onnxruntime-web WASM build (scripts/ort_web_runner.mjs):
// native onnxruntime rounds dynamic-int8 activations differently (logits up to ~0.3 apart), so only the
// WASM arithmetic is *the* model. What this test checks is everything around it — normalisation, token
// ids, windows, temperatures, aggregation, thresholds — and that the engine runs windows exactly as the
// reference does (alone, unpadded). Tolerances only absorb float printing.
import { beforeAll, describe, expect, it } from "vitest";
import parity from "../fixtures/parity.json";
import type { Engine } from "../../src/engine/engine";
import { interpolateKnots } from "../../src/engine/heads";
import { normalise } from "../../src/engine/normalise";
import type { MultiLabelResult, SingleLabelResult } from "../../src/engine/types";
import { loadNodeEngine } from "../../src/hosts/node";

const LOGIT_TOLERANCE = 1e-5;
const PROB_TOLERANCE = 1e-6;

interface ParityCase {
  name: string;
  text: string;
  normalised: string;
  windows: number[][];
  logits: Record<string, number[][]>;
  /** the lexical heads' logits of the post; null when the model has none */
  lexical: Record<string, number[]> | null;
  probs: Record<string, number[]>;
  labels: Record<string, string | string[]>;
}

const cases = (parity as unknown as { cases: ParityCase[] }).cases;
/** the reference's post_calibration map at given p: an example map, and the shipped help_seeking map when there is one */
const maps = (parity as unknown as { post_calibration: Record<string, { knots: { x: number[]; y: number[] }; p: number[]; mapped: number[] }> })
  .post_calibration;

describe("parity with the Python reference", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await loadNodeEngine();
  }, 60_000);

  it("covers several texts, one of them long enough for several windows", () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    expect(cases.some((c) => c.windows.length > 1)).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    expect(normalise(c.text)).toBe(c.normalised);
    const got = await engine.windowLogits(c.normalised);
    expect(got.ids).toEqual(c.windows);
    let maxDiff = 0;
    for (const [task, perWindow] of Object.entries(c.logits)) {
      perWindow.forEach((row, w) => row.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - got.logits[task]![w]![i]!)))));
    }
    expect(maxDiff).toBeLessThan(LOGIT_TOLERANCE);
    expect(got.lexical === null).toBe(c.lexical === null);
    for (const [task, z] of Object.entries(c.lexical ?? {})) {
      z.forEach((v, i) => expect(Math.abs(v - got.lexical![task]![i]!)).toBeLessThan(LOGIT_TOLERANCE));
    }

    const [pred] = await engine.predictNormalised([c.normalised]);
    for (const head of engine.heads) {
      const r = pred!.heads[head.task]!;
      head.labels.forEach((label, i) => expect(Math.abs(r.probs[label]! - c.probs[head.task]![i]!)).toBeLessThan(PROB_TOLERANCE));
      const expected = c.labels[head.task];
      if (head.kind === "single_label") expect((r as SingleLabelResult).label).toBe(expected);
      else expect((r as MultiLabelResult).labels).toEqual(expected);
    }
  });

  it("post_calibration maps give the reference's numbers exactly", () => {
    expect(Object.keys(maps)).toContain("example");
    const help = engine.heads.find((h) => h.task === "help_seeking")!;
    expect(help.post_calibration).toEqual(maps.help_seeking?.knots);
    for (const m of Object.values(maps)) expect(m.p.map((p) => interpolateKnots(m.knots, p))).toEqual(m.mapped);
  });
});

// model.json validation (docs/model-format.md): formats 1 to 4 are read, window aggregation defaults by
// kind in format 1, and a broken or mismatched file fails at load with a message that says what is wrong.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { headSpecs, parseModelMetadata, PROFILES } from "../../src/engine/metadata";

const shipped = JSON.parse(readFileSync("models/default/model.json", "utf8")) as Record<string, unknown> & {
  heads: Array<Record<string, unknown>>;
};
/** the shipped file as format 4 (the newest format), whatever format the shipped file is in */
const clone = () => ({ ...structuredClone(shipped), format_version: 4 }) as typeof shipped;
const withoutAggregation = (m: ReturnType<typeof clone>) => {
  m.heads.forEach((h) => delete h.aggregation);
  return withoutMap(m);
};
/** no head with a post_calibration map (format 3's field), no lexical heads (format 4's) */
const withoutMap = (m: ReturnType<typeof clone>) => {
  m.heads.forEach((h) => delete (h as { post_calibration?: unknown }).post_calibration);
  return withoutLexical(m);
};
/** no lexical heads and no head that mixes them in (format 4's fields) */
const withoutLexical = (m: ReturnType<typeof clone>) => {
  delete (m as { lexical?: unknown }).lexical;
  m.heads.forEach((h) => delete (h as { lexical_weight?: unknown }).lexical_weight);
  return m;
};

describe("model.json", () => {
  it("the shipped file parses and names an aggregation for every head", () => {
    const heads = headSpecs(parseModelMetadata(shipped));
    expect(heads.map((h) => h.task)).toContain("help_seeking");
    for (const h of heads) expect(["token_mean", "max"]).toContain(h.aggregation);
  });

  it("the shipped variants' help-seeking maps never report certainty: no knot at p(yes) 0 or 1", () => {
    // calibrate.fit_post_calibration shrinks each isotonic step towards its own p (model 0.8.1)
    for (const variant of ["default", "fast"]) {
      const meta = parseModelMetadata(JSON.parse(readFileSync(`models/${variant}/model.json`, "utf8")));
      const map = headSpecs(meta).find((h) => h.task === "help_seeking")!.post_calibration!;
      expect(Math.min(...map.y), variant).toBeGreaterThan(0);
      expect(Math.max(...map.y), variant).toBeLessThan(1);
    }
  });

  it("reads the optional operating points (profiles) and refuses malformed ones", () => {
    const meta = parseModelMetadata(shipped);
    expect(Object.keys(meta.profiles!.thresholds).sort()).toEqual([...PROFILES].sort());
    expect(meta.profiles!.default).toBe("balanced");
    const none = clone();
    delete none.profiles;
    expect(parseModelMetadata(none).profiles).toBeUndefined();
    const bad = clone() as unknown as { profiles: { thresholds: Record<string, number> } };
    bad.profiles.thresholds.balanced = 1.5;
    expect(() => parseModelMetadata(bad)).toThrow(/profiles\.thresholds\.balanced/);
    const unknown = clone() as unknown as { profiles: { default: string } };
    unknown.profiles.default = "paranoid";
    expect(() => parseModelMetadata(unknown)).toThrow(/profiles\.default/);
  });

  it("format 1 (no aggregation field) gets token_mean for single-label and max for multi-label heads", () => {
    const m = withoutAggregation(clone());
    m.format_version = 1;
    const heads = headSpecs(parseModelMetadata(m));
    for (const h of heads) expect(h.aggregation).toBe(h.kind === "single_label" ? "token_mean" : "max");
  });

  it("format 2 keeps the aggregation the pipeline chose", () => {
    const m = withoutMap(clone());
    m.format_version = 2;
    m.heads.find((h) => h.task === "help_seeking")!.aggregation = "max";
    m.heads.find((h) => h.task === "condition")!.aggregation = "token_mean";
    const heads = headSpecs(parseModelMetadata(m));
    expect(heads.find((h) => h.task === "help_seeking")!.aggregation).toBe("max");
    expect(heads.find((h) => h.task === "condition")!.aggregation).toBe("token_mean");
  });

  it("rejects an aggregation in a format 1 file, unknown aggregations and unknown formats", () => {
    const v1 = withoutMap(clone());
    v1.format_version = 1;
    v1.heads[0]!.aggregation = "max";
    expect(() => parseModelMetadata(v1)).toThrow(/aggregation, which needs format_version 2/);
    const bad = clone();
    bad.heads[0]!.aggregation = "median";
    expect(() => parseModelMetadata(bad)).toThrow(/heads\.0\.aggregation/);
    const multiclassMax = clone();
    multiclassMax.heads.find((h) => h.task === "condition")!.aggregation = "max";
    expect(() => parseModelMetadata(multiclassMax)).toThrow(/max aggregation of a single-label head needs two labels/);
    const future = clone();
    future.format_version = 5;
    expect(() => parseModelMetadata(future)).toThrow(/unsupported format_version; this engine reads 1, 2, 3, 4/);
    const mapInFormat2 = withoutLexical(clone());
    mapInFormat2.format_version = 2;
    expect(() => parseModelMetadata(mapInFormat2)).toThrow(/post_calibration, which needs format_version 3/);
  });

  it("rejects heads that do not match the codebook and a stride that leaves no room", () => {
    const m = clone();
    m.heads[0]!.labels = ["maybe", "yes"];
    expect(() => parseModelMetadata(m)).toThrow(/does not match the codebook/);
    const s = clone();
    s.stride = (s.max_length as number) - 2;
    expect(() => parseModelMetadata(s)).toThrow(/stride/);
  });

  it("reads the optional lexical heads (format 4) and refuses a lexical_weight without them or in an older format", () => {
    const m = clone();
    m.lexical = { file: "lexical.json", format_version: 1 };
    m.heads.find((h) => h.task === "causes")!.lexical_weight = 0.6;
    expect(headSpecs(parseModelMetadata(m)).find((h) => h.task === "causes")!.lexical_weight).toBe(0.6);
    const orphan = structuredClone(m);
    delete orphan.lexical;
    expect(() => parseModelMetadata(orphan)).toThrow(/lexical_weight but no lexical heads are named/);
    const old = structuredClone(m);
    old.format_version = 3;
    expect(() => parseModelMetadata(old)).toThrow(/lexical heads \(lexical.json\), which needs format_version 4/);
    const heavy = structuredClone(m);
    heavy.heads.find((h) => h.task === "causes")!.lexical_weight = 1.5;
    expect(() => parseModelMetadata(heavy)).toThrow(/lexical_weight/);
  });

  it("reads an optional post_calibration map on a binary single-label head and refuses malformed ones", () => {
    const m = clone();
    const help = m.heads.find((h) => h.task === "help_seeking")!;
    help.post_calibration = { x: [0.1, 0.5, 0.9], y: [0, 0.4, 1] };
    expect(headSpecs(parseModelMetadata(m)).find((h) => h.task === "help_seeking")!.post_calibration).toEqual({ x: [0.1, 0.5, 0.9], y: [0, 0.4, 1] });
    const plain = clone();
    plain.heads.forEach((h) => delete h.post_calibration);
    for (const h of headSpecs(parseModelMetadata(plain))) expect(h.post_calibration).toBeUndefined();
    const bad = (edit: (h: Record<string, unknown>) => void, task = "help_seeking") => {
      const b = clone();
      edit(b.heads.find((h) => h.task === task)!);
      return () => parseModelMetadata(b);
    };
    expect(bad((h) => (h.post_calibration = { x: [0.5, 0.5], y: [0, 1] }))).toThrow(/strictly increasing/);
    expect(bad((h) => (h.post_calibration = { x: [0.1, 0.5], y: [0.6, 0.2] }))).toThrow(/must not decrease/);
    expect(bad((h) => (h.post_calibration = { x: [0.1, 0.5, 0.9], y: [0, 1] }))).toThrow(/as many y/);
    expect(bad((h) => (h.post_calibration = { x: [0.1, 1.5], y: [0, 1] }))).toThrow(/post_calibration/);
    expect(bad((h) => (h.post_calibration = { x: [0.1, 0.5], y: [0, 1] }), "condition")).toThrow(/binary single-label/);
  });
});

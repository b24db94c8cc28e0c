// Table-driven redaction/normalisation tests over the vectors shared with the Python pipeline
// (scripts/tests/test_normalise.py runs the same file), so training and serving cannot drift apart.
import { describe, expect, it } from "vitest";
import vectors from "../fixtures/normalise-vectors.json";
import { NORMALISATION_VERSION, normalise } from "../../src/engine/normalise";

describe("normalise", () => {
  it("implements the version the vectors were written for", () => {
    expect(vectors.normalisation_version).toBe(NORMALISATION_VERSION);
  });

  it("has a large table including text that must not change", () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(60);
    expect(vectors.cases.filter((c) => c.input === c.expected).length).toBeGreaterThanOrEqual(15);
  });

  it.each(vectors.cases.map((c) => [c.name, c.input, c.expected] as const))("%s", (_name, input, expected) => {
    expect(normalise(input)).toBe(expected);
  });

  it("is idempotent", () => {
    for (const c of vectors.cases) expect(normalise(normalise(c.input))).toBe(normalise(c.input));
  });

  it("never leaves an e-mail, URL or username in mixed text", () => {
    const out = normalise("hi u/someone_here, mail x.y@z.org or see https://q.example.com/a?b=c");
    expect(out).not.toMatch(/someone_here|x\.y@|example\.com/);
  });
});

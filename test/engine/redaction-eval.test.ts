// The redaction evaluation sets (test/fixtures/redaction-eval.json, tuned on; redaction-eval-holdout.json,
// never tuned on) through the TypeScript normaliser: it must give exactly the outputs that the Python
// pipeline recorded in reports/redaction-eval.json (`python -m mhelp_pipeline redaction-eval`), so serving
// and training redact identically, and it must keep the measured precision and recall.
import { describe, expect, it } from "vitest";
import report from "../../reports/redaction-eval.json";
import evalSet from "../fixtures/redaction-eval.json";
import holdout from "../fixtures/redaction-eval-holdout.json";
import { NORMALISATION_VERSION, normalise } from "../../src/engine/normalise";

interface Case {
  id: string;
  class: string;
  input: string;
  expected: string;
}

describe("redaction evaluation sets", () => {
  const sets: Record<string, Case[]> = { tuned: evalSet.cases, holdout: holdout.cases };

  it("the report was made with this normalisation version", () => {
    expect(report.normalisation_version).toBe(NORMALISATION_VERSION);
  });

  for (const [name, cases] of Object.entries(sets)) {
    it(`${name}: TypeScript outputs equal the Python outputs on every case`, () => {
      const recorded = new Map(report.sets[name as keyof typeof report.sets].outputs.map((o) => [o.id, o.output]));
      expect(recorded.size).toBe(cases.length);
      const differing = cases.filter((c) => normalise(c.input) !== recorded.get(c.id)).map((c) => c.id);
      expect(differing).toEqual([]);
    });
  }

  it("keeps the measured quality (name recall and precision, every other class, unchanged text)", () => {
    const tuned = report.sets.tuned;
    expect(tuned.per_class.name.precision).toBeGreaterThanOrEqual(0.95);
    expect(tuned.per_class.name.recall).toBeGreaterThanOrEqual(0.85);
    for (const cls of ["user", "email", "phone", "ip"] as const) {
      expect(tuned.per_class[cls].precision).toBe(1);
      expect(tuned.per_class[cls].recall).toBe(1);
    }
    expect(tuned.none_cases_changed).toBe(0);
  });
});

// docs/model-card.md must carry the numbers of the shipped models/default/model.json (its generated blocks
// are rewritten by `npm run docs:model-card`).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("model card", () => {
  it("is up to date with models/default/model.json", () => {
    const run = spawnSync(process.execPath, [join(root, "scripts/model-card.mjs"), "--check"], { encoding: "utf8" });
    expect(run.stderr + run.stdout).toContain("up to date");
    expect(run.status).toBe(0);
  });

  it("leads its evaluation with the gold dev set of this version and covers use, misuse, limits and fairness", () => {
    const card = readFileSync(join(root, "docs/model-card.md"), "utf8");
    const model = JSON.parse(readFileSync(join(root, "models/default/model.json"), "utf8"));
    expect(card).toContain(`${model.version}`);
    const evaluation = card.slice(card.indexOf("## Evaluation"));
    const headline = evaluation.indexOf("**Headline: the gold dev set**");
    expect(headline).toBeGreaterThan(0); // reports/gold-cv.json scored this version
    expect(headline).toBeLessThan(evaluation.indexOf("**Diagnostics, not headlines"));
    for (const section of ["## Intended use", "## Out of scope and misuse", "## Known limits", "## Fairness slices to measure", "## Calibration"]) {
      expect(card).toContain(section);
    }
    expect(card).toMatch(/not a diagnosis/i);
  });
});

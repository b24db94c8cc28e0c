// GET /v1/labels (src/worker/routes/labels.ts).
import { describe, expect, it } from "vitest";
import modelJson from "../../models/default/model.json";
import { CODEBOOK_VERSION, TASKS } from "../../src/engine/codebook";
import { LabelsResponseSchema } from "../../src/worker/schemas";
import { call } from "./helpers";

const model = modelJson as unknown as { name: string; version: string; variant: string; heads: Array<{ task: string }> };

describe("GET /v1/labels", () => {
  it("lists every codebook task with labels and definitions", async () => {
    const res = await call("/v1/labels");
    expect(res.status).toBe(200);
    const body = LabelsResponseSchema.parse(await res.json());
    expect(body.codebook_version).toBe(CODEBOOK_VERSION);
    expect(body.model).toEqual({ name: model.name, version: model.version, variant: model.variant });
    expect(body.tasks.map((t) => t.key)).toEqual(TASKS.map((t) => t.key));
    for (const task of body.tasks) {
      const source = TASKS.find((t) => t.key === task.key)!;
      expect(task.labels).toEqual([...source.labels]);
      expect(task.definition).toBe(source.definition);
      expect(task.definition.length).toBeGreaterThan(0);
      expect(task.in_model).toBe(model.heads.some((h) => h.task === task.key));
    }
    expect(body.tasks.filter((t) => t.primary).map((t) => t.key)).toEqual(["help_seeking", "condition", "causes"]);
  });
});

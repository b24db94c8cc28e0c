// GET /v1/labels and GET /health.
import { describe, expect, it } from "vitest";
import modelJson from "../../models/default/model.json";
import { CODEBOOK_VERSION, TASKS } from "../../src/engine/codebook";
import { HealthResponseSchema, LabelsResponseSchema } from "../../src/worker/schemas";
import { call, postJson } from "./helpers";

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

describe("GET /health", () => {
  it("reports the model and the session state, loading the session only on demand", async () => {
    const before = HealthResponseSchema.parse(await (await call("/health")).json());
    expect(before.status).toBe("ok");
    expect(before.model).toEqual({ name: model.name, version: model.version, variant: model.variant });

    const res = await postJson("/v1/predict", { posts: [{ id: "h", text: `health check ${crypto.randomUUID()}` }] });
    expect(res.status).toBe(200);

    const after = HealthResponseSchema.parse(await (await call("/health")).json());
    expect(after.session).toBe("ready");
    expect(after.runtime.wasm_memory_bytes).toBeGreaterThan(0);
    // Workers isolates get 128 MB; ORT's linear memory must leave room for everything else.
    expect(after.runtime.wasm_memory_bytes!).toBeLessThan(100 * 1024 * 1024);
  });
});

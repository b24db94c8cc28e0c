// GET /health (src/worker/routes/health.ts).
import { describe, expect, it } from "vitest";
import modelJson from "../../models/default/model.json";
import pkg from "../../package.json";
import { HealthResponseSchema } from "../../src/worker/schemas";
import { call, postJson } from "./helpers";

const model = modelJson as unknown as { name: string; version: string; variant: string };

describe("GET /health", () => {
  it("reports the model and the session state, loading the session only on demand", async () => {
    // the first request of this file's isolate: no prediction has run, so no session exists
    const before = HealthResponseSchema.parse(await (await call("/health")).json());
    expect(before.status).toBe("ok");
    expect(before.api_version).toBe(pkg.version); // the contract's version; the model's is separate (CHANGELOG.md)
    expect(before.model).toEqual({ name: model.name, version: model.version, variant: model.variant });
    expect(before.session).toBe("not_loaded");
    expect(before.runtime).toEqual({ wasm_memory_bytes: null, session_init_ms: null });

    const res = await postJson("/v1/predict", { posts: [{ id: "h", text: `health check ${crypto.randomUUID()}` }] });
    expect(res.status).toBe(200);

    const after = HealthResponseSchema.parse(await (await call("/health")).json());
    expect(after.session).toBe("ready");
    expect(after.runtime.wasm_memory_bytes).toBeGreaterThan(0);
    // Workers isolates get 128 MB; ORT's linear memory must leave room for everything else.
    expect(after.runtime.wasm_memory_bytes!).toBeLessThan(100 * 1024 * 1024);
  });
});

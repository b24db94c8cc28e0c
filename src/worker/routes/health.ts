// GET /health: liveness plus whether this isolate has created its ORT session yet. Never loads the model. Public.
import { API_VERSION } from "../api-version";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { CODEBOOK_VERSION } from "../../engine/codebook";
import { NORMALISATION_VERSION } from "../../engine/normalise";
import type { AppEnv } from "../env";
import { defaultHook } from "../errors";
import { MODEL_INFO, sessionInitMs, sessionState } from "../model";
import { wasmMemoryBytes } from "../ort-workerd";
import { HealthResponseSchema, type HealthResponse } from "../schemas";

export const healthRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["meta"],
  summary: "Status, model version and this isolate's session state",
  responses: {
    200: { description: "the Worker is up", content: { "application/json": { schema: HealthResponseSchema } } },
  },
});

export function healthRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook }).openapi(healthRoute, (c) => {
    const body: HealthResponse = {
      status: "ok",
      api_version: API_VERSION,
      model: { ...MODEL_INFO },
      session: sessionState(),
      codebook_version: CODEBOOK_VERSION,
      normalisation_version: NORMALISATION_VERSION,
      runtime: { wasm_memory_bytes: wasmMemoryBytes(), session_init_ms: sessionInitMs() },
    };
    c.header("Cache-Control", "no-store");
    return c.json(body, 200);
  });
}

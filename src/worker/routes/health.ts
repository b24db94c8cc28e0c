// GET /health: liveness plus whether this isolate has created its ORT session yet. Never loads the model.
import { Hono } from "hono";
import { CODEBOOK_VERSION } from "../../engine/codebook";
import { NORMALISATION_VERSION } from "../../engine/normalise";
import type { AppEnv } from "../env";
import { MODEL_INFO, sessionInitMs, sessionState } from "../model";
import { wasmMemoryBytes } from "../ort-workerd";
import type { HealthResponse } from "../schemas";

export const healthRoutes = new Hono<AppEnv>().get("/", (c) => {
  const body: HealthResponse = {
    status: "ok",
    model: { ...MODEL_INFO },
    session: sessionState(),
    codebook_version: CODEBOOK_VERSION,
    normalisation_version: NORMALISATION_VERSION,
    runtime: { wasm_memory_bytes: wasmMemoryBytes(), session_init_ms: sessionInitMs() },
  };
  c.header("Cache-Control", "no-store");
  return c.json(body, 200);
});

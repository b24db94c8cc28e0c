// GET /v1/labels: label vocabularies and definitions, straight from the codebook module.
import { Hono } from "hono";
import { CODEBOOK_VERSION, TASKS } from "../../engine/codebook";
import type { AppEnv } from "../env";
import { MODEL_INFO, MODEL_TASKS } from "../model";
import type { LabelsResponse } from "../schemas";

const body: LabelsResponse = {
  codebook_version: CODEBOOK_VERSION,
  model: { name: MODEL_INFO.name, version: MODEL_INFO.version },
  tasks: TASKS.map((t) => ({
    key: t.key,
    kind: t.kind,
    primary: t.primary,
    labels: [...t.labels],
    definition: t.definition,
    label_definitions: { ...t.label_definitions },
    in_model: MODEL_TASKS.has(t.key),
  })),
};

export const labelsRoutes = new Hono<AppEnv>().get("/", (c) => {
  c.header("Cache-Control", "public, max-age=3600");
  return c.json(body, 200);
});

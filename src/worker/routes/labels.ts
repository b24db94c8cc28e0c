// GET /v1/labels: label vocabularies and definitions, straight from the codebook module. Public.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { CODEBOOK_VERSION, TASKS } from "../../engine/codebook";
import type { AppEnv } from "../env";
import { defaultHook } from "../errors";
import { MODEL_INFO, MODEL_TASKS } from "../model";
import { LabelsResponseSchema, type LabelsResponse } from "../schemas";

const body: LabelsResponse = {
  codebook_version: CODEBOOK_VERSION,
  model: { ...MODEL_INFO },
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

export const labelsRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["meta"],
  summary: "Label vocabularies and definitions (codebook v1.1)",
  responses: {
    200: { description: "every codebook task, its labels and definitions", content: { "application/json": { schema: LabelsResponseSchema } } },
  },
});

export function labelsRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook }).openapi(labelsRoute, (c) => {
    c.header("Cache-Control", "public, max-age=3600");
    return c.json(body, 200);
  });
}

// The OpenAPI 3.1 document: everything in it comes from the routes' createRoute() definitions and the zod
// schemas in schemas.ts; this file adds only the document's header, the security schemes and the shared
// error responses.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "./config";
import { ERROR_DESCRIPTIONS, type ErrorStatus } from "./errors";
import { ErrorResponseSchema, predictRequestConditionals } from "./schemas";

/** Security requirement of protected routes: either scheme. */
export const SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

const JSON_ERROR = { "application/json": { schema: ErrorResponseSchema } };

/** OpenAPI response objects for the given error statuses, all with the shared Error schema. */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]): Record<S, { description: string; content: typeof JSON_ERROR; headers?: Record<string, { description: string; schema: { type: "integer" } }> }> {
  const out = {} as Record<S, { description: string; content: typeof JSON_ERROR; headers?: Record<string, { description: string; schema: { type: "integer" } }> }>;
  for (const status of statuses) {
    out[status] = {
      description: ERROR_DESCRIPTIONS[status],
      content: JSON_ERROR,
      ...(status === 409 || status === 429 || status === 503 ? { headers: { "Retry-After": { description: "seconds to wait before retrying", schema: { type: "integer" as const } } } } : {}),
    };
  }
  return out;
}

export const REQUEST_ID_HEADER = { "X-Request-Id": { description: "id of this request; quote it when reporting a problem", schema: { type: "string" as const } } };

/** Statuses only the API key check answers (auth.ts); a deployment without keys never sends them. */
const AUTH_STATUSES = ["401", "403", "429"];

type Doc = { paths?: Record<string, Record<string, { security?: unknown; responses?: Record<string, unknown> }>>; components?: { schemas?: Record<string, object>; securitySchemes?: unknown } };

/**
 * What the generated document cannot say by itself: the request schema's explain limits (an if/then), and,
 * where AUTH_REQUIRED is false (`npm run dev`), no security and no 401/403/429 anywhere, because that
 * deployment answers every request without a key: a document that declared them would mislead generated
 * clients and testers.
 */
export function adjustDocument<D extends object>(document: D, config: Config): D {
  const doc = document as Doc;
  const request = doc.components?.schemas?.PredictRequest;
  if (request) Object.assign(request, predictRequestConditionals(config));
  if (!config.authRequired) {
    for (const item of Object.values(doc.paths ?? {})) {
      for (const op of Object.values(item)) {
        if (typeof op !== "object" || op === null) continue;
        delete op.security;
        for (const status of AUTH_STATUSES) delete op.responses?.[status];
      }
    }
    if (doc.components) delete doc.components.securitySchemes;
  }
  return document;
}

/** Registers the security schemes and serves the generated document at GET /openapi.json. */
/** `version`: the API's (package) version; `modelVersion`: the weights' (both in CHANGELOG.md's versioning story). */
export function serveOpenApi(app: OpenAPIHono<any>, config: Config, version: string, modelVersion: string): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "API key as a bearer token: `Authorization: Bearer <key>`",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "API key in the X-API-Key header",
  });
  let document: object | null = null;
  app.get("/openapi.json", (c) => {
    document ??= adjustDocument(app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "mhelp",
        version,
        description:
          "Predicts whether a social-media post's author is asking for mental-health help (`help_seeking`), the `condition` and the `causes` " +
          "(M-HELP codebook v1.1). Decision support for trained humans, never a diagnosis. " +
          `API version ${version}, model version ${modelVersion} (every response's \`model\` names the model that answered). ` +
          (config.authRequired
            ? "Protected routes (POST /v1/predict, GET /metrics) need an API key (see the security schemes); each key is rate limited per minute. "
            : "This deployment runs with AUTH_REQUIRED false (local development): no route needs an API key and nothing is rate limited, so this " +
              "document declares no security and no 401/403/429; deployed, POST /v1/predict and GET /metrics need an API key " +
              "(`Authorization: Bearer <key>` or `X-API-Key`), rate limited per key. ") +
          "Methods a path does not list are answered 405 with `Allow`. Limits: " +
          `${config.maxPosts} posts per request, ${config.maxCharsPerPost} characters per post, ${config.maxTotalChars} characters per request, ` +
          `${config.maxBodyBytes} bytes per body; with explain ${config.maxExplainPosts} posts and ${config.maxExplainChars} characters per request.`,
        license: { name: "see the repository" },
      },
      tags: [
        { name: "predict", description: "help-seeking, condition and causes" },
        { name: "jobs", description: "batch jobs over JSONL inputs in R2, scored by queue consumers" },
        { name: "meta", description: "labels, health, metrics" },
      ],
    }), config);
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ ...document, servers: [{ url: new URL(c.req.url).origin, description: "this deployment" }] }, 200);
  });
}

// POST /v1/predict: batch of posts → help-seeking, condition, causes and every auxiliary head, a review flag,
// crisis resources when the post suggests risk, and (opt-in, "explain": true) help-seeking evidence spans.
// The route validates (body size, JSON, the request schema) and answers; predict-service.ts does the work.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Config } from "../config";
import type { AppEnv } from "../env";
import { ApiError, defaultHook, errorBody, ERROR_STATUS } from "../errors";
import { errorResponses, REQUEST_ID_HEADER, SECURITY } from "../openapi";
import { predictBatch } from "../predict-service";
import { JSON_CONTENT_TYPE_RE } from "../request-body";
import { predictRequestSchema, PredictResponseSchema } from "../schemas";

const EXAMPLE = '{"posts": [{"id": "1", "text": "I have not slept for weeks and I do not know who to talk to"}]}';

/** Reads the body once: Content-Type, empty body and JSON syntax each get their own error before the schema runs. */
const jsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = c.req.header("content-type");
  if (!type || !JSON_CONTENT_TYPE_RE.test(type.trim())) {
    throw new ApiError(
      "unsupported_media_type",
      `${type ? `Content-Type is "${type.split(";")[0]!.trim().slice(0, 100)}"` : "the request has no Content-Type"}; send the body as JSON with Content-Type: application/json, e.g. ${EXAMPLE}`,
    );
  }
  const raw = await c.req.text();
  if (raw.trim() === "") throw new ApiError("empty_body", `the request body is empty; send JSON like ${EXAMPLE}`);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    // V8's message quotes part of the body: keep only the position, never the content.
    const position = /position (\d+)/.exec(String((err as Error)?.message))?.[1];
    throw new ApiError("malformed_json", `the body is not valid JSON${position ? ` (error near byte ${position})` : ""}; send JSON like ${EXAMPLE}`);
  }
  // The schema's validator (next in the chain) reads the body with c.req.json(), which would parse the
  // text a second time: it gets this parse instead.
  c.req.json = <T>() => Promise.resolve(body as T);
  await next();
};

function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json(
        errorBody(c as Context<AppEnv>, "payload_too_large", `the request body is larger than ${maxBytes} bytes; send fewer or shorter posts per request`),
        ERROR_STATUS.payload_too_large,
      ),
  });
}

export function predictRoute(config: Config) {
  return createRoute({
    method: "post",
    path: "/",
    tags: ["predict"],
    summary: "Predict help-seeking, condition and causes for a batch of posts",
    description:
      "Each result carries calibrated probabilities, a `review` flag (uncertain results a human should check), `resources` (crisis lines for the " +
      "request's `locale` or Accept-Language) when the post is `suicidal` or help-seeking with high confidence, and, with `\"explain\": true`, " +
      "`evidence`: the sentences (UTF-16 offsets into the submitted text) that the model, scoring each sentence on its own, finds most help-seeking. " +
      "Post text is never logged or stored; predictions are cached in KV under a hash of the normalised text.",
    security: SECURITY,
    middleware: [limitBody(config.maxBodyBytes), jsonBody] as const,
    request: {
      body: {
        required: true,
        description: "posts to classify",
        content: { "application/json": { schema: predictRequestSchema(config) } },
      },
    },
    responses: {
      200: {
        description: "one result per post, in request order",
        headers: REQUEST_ID_HEADER,
        content: { "application/json": { schema: PredictResponseSchema } },
      },
      ...errorResponses(400, 401, 403, 413, 415, 429, 503),
    },
  });
}

export function predictRoutes(config: Config) {
  return new OpenAPIHono<AppEnv>({ defaultHook }).openapi(predictRoute(config), async (c) => {
    const { body, stats } = await predictBatch(c.req.valid("json"), {
      kv: c.env.PREDICTIONS,
      cacheTtlSeconds: config.cacheTtlSeconds,
      acceptLanguage: c.req.header("accept-language"),
      requestId: c.get("requestId"),
      waitUntil: (work) => c.executionCtx.waitUntil(work),
    });
    c.set("stats", stats); // counts only, no text or ids: the request log line and /metrics read them
    c.header("Cache-Control", "no-store");
    return c.json(body, 200);
  });
}

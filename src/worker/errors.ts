// JSON errors. Client mistakes become 4xx with a message that says how to fix them; nothing a client
// sends can produce a 500. Logs carry the request id, status and error class only, never post text.
import type { OpenAPIHonoOptions } from "@hono/zod-openapi";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { AppEnv } from "./env";
import { errorFields, log } from "./logger";
import type { ErrorResponse, Issue } from "./schemas";

/** Every `error.code` the API answers with, and its HTTP status: the one list of errors. */
export const ERROR_STATUS = {
  invalid_request: 400,
  malformed_json: 400,
  empty_body: 400,
  bad_request: 400,
  missing_api_key: 401,
  malformed_api_key: 401,
  invalid_api_key: 403,
  revoked_api_key: 403,
  not_found: 404,
  method_not_allowed: 405,
  job_not_finished: 409,
  upload_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  model_unavailable: 503,
  auth_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

/** What each error status means, for the OpenAPI document; the codes in backticks are ERROR_STATUS's. */
export const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: "invalid request: malformed JSON, empty body or schema violations, the limits on posts and characters included (`invalid_request`, see `issues`)",
  401: "missing or malformed API key (`missing_api_key`, `malformed_api_key`)",
  403: "unknown or revoked API key (`invalid_api_key`, `revoked_api_key`)",
  404: "no such route",
  405: "the path exists but not with this method (`method_not_allowed`); the `Allow` header lists the methods it has",
  409: "the job has not finished yet (`job_not_finished`; poll its status and retry after `Retry-After`), or an upload's parts do not match what was uploaded (`upload_conflict`)",
  413: "the body is larger than the deployment's byte limit, MAX_BODY_BYTES, or MAX_JOB_BODY_BYTES for a job or an upload part (`payload_too_large`)",
  415: "the body is not sent with the media type the route takes (`application/json`; jobs and upload parts also `application/x-ndjson`)",
  429: "rate limit of this API key exceeded (`rate_limited`); wait `Retry-After` seconds",
  500: "internal error; quote the request_id",
  503: "the model or the key store is unavailable in this isolate; retry after `Retry-After` or a few seconds",
};

export class ApiError extends Error {
  readonly status: ErrorStatus;
  readonly code: ErrorCode;
  readonly issues?: Issue[];
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: { issues?: Issue[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = ERROR_STATUS[code];
    this.code = code;
    this.issues = options.issues;
    this.headers = options.headers;
  }
}

/** The error body; also records the code on the context for the request log and /metrics. */
export function errorBody(c: Context<AppEnv>, code: ErrorCode | "http_error", message: string, issues?: Issue[]): ErrorResponse {
  c.set("errorCode", code);
  return { error: { code, message, ...(issues ? { issues } : {}), request_id: c.get("requestId") ?? "unknown" } };
}

/** zod issues → the public shape (path, code, message); input values are never echoed back. */
export function toIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === "number" ? p : String(p))),
    code: i.code,
    message: i.message,
  }));
}

export function formatPath(path: Array<string | number>): string {
  if (path.length === 0) return "body";
  return path.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");
}

/**
 * A failed zod parse → 400 invalid_request, with every issue and a summary. The limits on posts and characters
 * are schema violations like any other (the document states them as maxItems/maxLength, and JSON Schema
 * validators, generated clients and testers such as Schemathesis expect 400/422 for a request that breaks the
 * schema), so they are 400 too; their issues say `too_big`. 413 payload_too_large is kept for what RFC 9110
 * means by it: a body over MAX_BODY_BYTES, refused before it is parsed (routes/predict.ts).
 */
export function validationError(error: z.ZodError, target = "json"): ApiError {
  const issues = toIssues(error);
  const where = target === "json" ? "" : `${target}: `;
  const summary = issues.slice(0, 3).map((i) => `${where}${formatPath(i.path)}: ${i.message}`).join("; ");
  const more = issues.length > 3 ? `; and ${issues.length - 3} more (see issues)` : "";
  return new ApiError("invalid_request", `${summary}${more}`, { issues });
}

/**
 * The one validation hook of every OpenAPIHono instance (request bodies, queries, headers): a failed
 * parse is thrown as an ApiError, which onError turns into the JSON error.
 */
export const defaultHook: NonNullable<OpenAPIHonoOptions<AppEnv>["defaultHook"]> = (result) => {
  if (!result.success) throw validationError(result.error as z.ZodError, result.target);
};

/** Hono's own exceptions (e.g. its JSON validator's) by status: our code and a hint; "http_error" for the rest. */
const HTTP_CODES: Partial<Record<number, [ErrorCode, string]>> = {
  400: ["bad_request", "the request could not be read; send JSON with Content-Type: application/json"],
  413: ["payload_too_large", "the request body is too large; send fewer or shorter posts per request"],
  415: ["unsupported_media_type", "send the body as JSON with Content-Type: application/json"],
};

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) {
    for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
    return c.json(errorBody(c, err.code, err.message, err.issues), err.status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status >= 500) return internal(err, c);
    const [code, hint]: [ErrorCode | "http_error", string] = HTTP_CODES[status] ?? ["http_error", "the request was rejected"];
    const message = err.message && !hint.startsWith(err.message) ? `${err.message}; ${hint}` : hint;
    return c.json(errorBody(c, code, message), status as ContentfulStatusCode);
  }
  return internal(err, c);
};

function internal(err: unknown, c: Context<AppEnv>) {
  // Unexpected: log the class and message (engine/ORT messages carry no post text), answer without details.
  log("error", "internal error", { request_id: c.get("requestId"), route: c.req.routePath, ...errorFields(err) });
  return c.json(errorBody(c, "internal_error", "internal error; retry later and quote the request_id if it persists"), ERROR_STATUS.internal_error);
}

/** 405 for a known path asked with a method it does not have, with `Allow` (RFC 9110 §15.5.6). */
export function methodNotAllowed(c: Context<AppEnv>, allow: readonly string[]) {
  c.header("Allow", allow.join(", "));
  const path = new URL(c.req.url).pathname;
  return c.json(
    errorBody(c, "method_not_allowed", `${path} does not take ${c.req.method}; it takes ${allow.filter((m) => m !== "HEAD" && m !== "OPTIONS").join(" or ")} (Allow: ${allow.join(", ")})`),
    ERROR_STATUS.method_not_allowed,
  );
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  c.json(
    errorBody(
      c,
      "not_found",
      `no route ${c.req.method} ${new URL(c.req.url).pathname}; the API has POST /v1/predict, POST /v1/jobs, GET /v1/jobs/{id}, POST /v1/uploads, GET /v1/labels, GET /health, GET /metrics and GET /openapi.json`,
    ),
    ERROR_STATUS.not_found,
  );

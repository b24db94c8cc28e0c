// JSON errors. Client mistakes become 4xx with a message that says how to fix them; nothing a client
// sends can produce a 500. Logs carry the request id, status and error class only, never post text.
import type { OpenAPIHonoOptions } from "@hono/zod-openapi";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { AppEnv } from "./env";
import type { ErrorResponse, Issue } from "./schemas";

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly issues?: Issue[];
  readonly headers?: Record<string, string>;

  constructor(status: ContentfulStatusCode, code: string, message: string, issues?: Issue[], headers?: Record<string, string>) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.issues = issues;
    this.headers = headers;
  }
}

/** The error body; also records the code on the context for the request log and /metrics. */
export function errorBody(c: Context<AppEnv>, code: string, message: string, issues?: Issue[]): ErrorResponse {
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

/** 413 for limit violations (too many posts, too much text), 400 for everything else. */
function statusFor(issues: ReadonlyArray<{ code: string; path: PropertyKey[] }>): ContentfulStatusCode {
  const oversized = issues.some(
    (i) => i.code === "too_big" && (i.path.length === 1 || (i.path.length === 3 && i.path[2] === "text")),
  );
  return oversized ? 413 : 400;
}

/** A failed zod parse → 400 invalid_request or 413 payload_too_large, with every issue and a summary. */
export function validationError(error: z.ZodError, target = "json"): ApiError {
  const issues = toIssues(error);
  const status = target === "json" ? statusFor(error.issues) : 400;
  const where = target === "json" ? "" : `${target}: `;
  const summary = issues.slice(0, 3).map((i) => `${where}${formatPath(i.path)}: ${i.message}`).join("; ");
  const more = issues.length > 3 ? `; and ${issues.length - 3} more (see issues)` : "";
  return new ApiError(status, status === 413 ? "payload_too_large" : "invalid_request", `${summary}${more}`, issues);
}

/**
 * The one validation hook of every OpenAPIHono instance (request bodies, queries, headers): a failed
 * parse is thrown as an ApiError, which onError turns into the JSON error.
 */
export const defaultHook: NonNullable<OpenAPIHonoOptions<AppEnv>["defaultHook"]> = (result) => {
  if (!result.success) throw validationError(result.error as z.ZodError, result.target);
};

const HTTP_CODES: Partial<Record<number, [string, string]>> = {
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
    const [code, hint] = HTTP_CODES[status] ?? ["http_error", "the request was rejected"];
    const message = err.message && !hint.startsWith(err.message) ? `${err.message}; ${hint}` : hint;
    return c.json(errorBody(c, code, message), status as ContentfulStatusCode);
  }
  return internal(err, c);
};

function internal(err: unknown, c: Context<AppEnv>) {
  // Unexpected: log the class and message (engine/ORT messages carry no post text), answer without details.
  console.error(
    JSON.stringify({ level: "error", request_id: c.get("requestId"), route: c.req.routePath, error: (err as Error)?.name, message: String((err as Error)?.message ?? err).slice(0, 500) }),
  );
  return c.json(errorBody(c, "internal_error", "internal error; retry later and quote the request_id if it persists"), 500);
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  c.json(
    errorBody(
      c,
      "not_found",
      `no route ${c.req.method} ${new URL(c.req.url).pathname}; the API has POST /v1/predict, GET /v1/labels, GET /health, GET /metrics and GET /openapi.json`,
    ),
    404,
  );

// JSON errors. Client mistakes become 4xx with a message that says how to fix them; nothing a client
// sends can produce a 500. Logs carry the request id, status and error class only, never post text.
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { AppEnv } from "./env";
import type { ErrorResponse, Issue } from "./schemas";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function errorBody(c: Context<AppEnv>, code: string, message: string, issues?: Issue[]): ErrorResponse {
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

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) {
    return c.json(errorBody(c, err.code, err.message, err.issues), err.status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    return c.json(errorBody(c, status === 413 ? "payload_too_large" : "http_error", err.message || "request rejected"), status);
  }
  // Unexpected: log the class and message (engine/ORT messages carry no post text), answer without details.
  console.error(
    JSON.stringify({ level: "error", request_id: c.get("requestId"), route: c.req.routePath, error: (err as Error)?.name, message: String((err as Error)?.message ?? err).slice(0, 500) }),
  );
  return c.json(errorBody(c, "internal_error", "internal error; retry later and quote the request_id if it persists"), 500);
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  c.json(
    errorBody(c, "not_found", `no route ${c.req.method} ${new URL(c.req.url).pathname}; the API has POST /v1/predict, GET /v1/labels and GET /health`),
    404,
  );

// Reading a request body within a byte limit, for routes whose limit depends on the media type or the route
// (POST /v1/jobs: a JSONL body or a small JSON envelope; PUT /v1/uploads/…/parts/{n}). A declared
// Content-Length over the limit is refused before anything is read; a body without one is counted as read.
// POST /v1/predict has one limit and uses Hono's bodyLimit middleware instead (routes/predict.ts).
import type { Context } from "hono";
import type { AppEnv } from "./env";
import type { ApiError } from "./errors";

/** application/json and its +json relatives (application/merge-patch+json, …), with or without parameters. */
export const JSON_CONTENT_TYPE_RE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/** The body's bytes; throws `tooLarge()` when it holds more than `maxBytes`. */
export async function readBodyWithin(c: Context<AppEnv>, maxBytes: number, tooLarge: () => ApiError): Promise<ArrayBuffer> {
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const bytes = await c.req.arrayBuffer();
  if (bytes.byteLength > maxBytes) throw tooLarge();
  return bytes;
}

// Shared helpers for the workerd route tests.
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { sha256Hex } from "../../src/worker/sha256";
import { ErrorResponseSchema, type ErrorResponse } from "../../src/worker/schemas";

export const BASE = "http://mhelp.test";

/**
 * An API key for this test file (storage and rate-limit counters are per file, so each file gets its own).
 * test/worker/setup.ts stores its hash in the local API_KEYS namespace before the file's tests run;
 * `call` and `postJson` send it unless the request sets Authorization or X-API-Key itself.
 */
export const TEST_API_KEY = `mhk_test_${crypto.randomUUID().replace(/-/g, "")}`;

/** Stores a key's hash in API_KEYS the way scripts/api-keys.mjs does. */
export async function storeKey(key: string, record: { name: string; created?: string; revoked?: string } = { name: "test" }): Promise<string> {
  const hash = await sha256Hex(key);
  await env.API_KEYS.put(hash, JSON.stringify({ created: new Date().toISOString(), ...record }), { metadata: { name: record.name } });
  return hash;
}

/** A fresh, stored key (e.g. to start with an empty rate-limit budget). */
export async function newKey(name = "test"): Promise<string> {
  const key = `mhk_${crypto.randomUUID().replace(/-/g, "")}${crypto.randomUUID().replace(/-/g, "")}`;
  await storeKey(key, { name });
  return key;
}

function withKey(init: RequestInit | undefined): RequestInit {
  const headers = new Headers(init?.headers);
  if (!headers.has("authorization") && !headers.has("x-api-key")) headers.set("authorization", `Bearer ${TEST_API_KEY}`);
  return { ...init, headers };
}

/** Calls the Worker's entry point with the file's API key. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, withKey(init)));
}

/** Calls the Worker's entry point exactly as given (no API key added). */
export function callRaw(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Polls until `check` holds (writes go through ctx.waitUntil, so they may land after the response). */
export async function eventually<T>(probe: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Asserts a JSON error response: status, code, a message that says something (how to fix it), and the
 * request id echoed from the X-Request-Id header. Returns the parsed body for further checks.
 */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorResponse> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  const body = ErrorResponseSchema.parse(JSON.parse(text));
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
  return body;
}

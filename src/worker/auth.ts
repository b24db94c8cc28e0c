// API keys and per-key rate limits.
//
// A key is sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Only its SHA-256 hash is stored:
// the API_KEYS KV namespace maps sha256(key) hex → {"name", "created", "revoked"?} (scripts/api-keys.mjs
// writes them). 401 when the key is missing or malformed, 403 when it is unknown or revoked. Each key then
// passes the Workers Rate Limiting binding (RATE_LIMITER, keyed by the hash) → 429 with Retry-After.
//
// AUTH_REQUIRED = "false" (what `npm run dev` passes) turns both off for local development: requests are
// anonymous, keys are ignored and nothing is rate limited. The Worker logs a warning once per isolate.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";
import { errorFields, log } from "./logger";
import { sha256Hex } from "./sha256";

/** `simple.period` of the RATE_LIMITER binding in wrangler.toml (10 or 60); test/worker/auth.test.ts checks they agree. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;
/** KV edge-cache time for key lookups: a revocation takes effect within about this long (KV's minimum is 30). */
export const KEY_CACHE_TTL_SECONDS = 60;

/** RFC 6750 b64token characters, 16–256 of them (keys made by scripts/api-keys.mjs are "mhk_" + 43). */
const KEY_RE = /^[A-Za-z0-9\-._~+/]{16,256}=*$/;

const HOW_TO =
  "send your API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`; an operator creates keys with `node scripts/api-keys.mjs create --name <who>`";

export interface ApiKeyRecord {
  name: string;
  created: string;
  revoked?: string | boolean;
}

function parseRecord(raw: string | null): ApiKeyRecord | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<ApiKeyRecord> | null;
    if (!value || typeof value !== "object" || typeof value.name !== "string") return null;
    return value as ApiKeyRecord;
  } catch {
    return null;
  }
}

/** The presented key, `null` when none was sent; throws 401 for a malformed header. */
export function presentedKey(authorization: string | undefined, xApiKey: string | undefined): string | null {
  if (authorization !== undefined && authorization.trim() !== "") {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization.trim());
    if (!m) throw unauthorized("malformed_api_key", `the Authorization header must be "Bearer <key>"; ${HOW_TO}`);
    if (!KEY_RE.test(m[1]!)) throw unauthorized("malformed_api_key", `the bearer token is not a well-formed API key; ${HOW_TO}`);
    return m[1]!;
  }
  if (xApiKey !== undefined && xApiKey.trim() !== "") {
    const key = xApiKey.trim();
    if (!KEY_RE.test(key)) throw unauthorized("malformed_api_key", `the X-API-Key header is not a well-formed API key; ${HOW_TO}`);
    return key;
  }
  return null;
}

function unauthorized(code: "missing_api_key" | "malformed_api_key", message: string): ApiError {
  return new ApiError(code, message, { headers: { "WWW-Authenticate": 'Bearer realm="mhelp"' } });
}

let warnedAuthOff = false;

/** Checks the API key (when AUTH_REQUIRED) and sets `client` to a short prefix of the key's hash. */
export const apiKeyAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get("config").authRequired) {
    if (!warnedAuthOff) {
      warnedAuthOff = true;
      log("warn", "AUTH_REQUIRED is false: API keys and rate limits are OFF (local development only; wrangler.toml sets it to true for deploys)");
    }
    c.set("client", "anonymous");
    return next();
  }
  const key = presentedKey(c.req.header("authorization"), c.req.header("x-api-key"));
  if (key === null) throw unauthorized("missing_api_key", `this route needs an API key; ${HOW_TO}`);

  const hash = await sha256Hex(key);
  const kv = c.env.API_KEYS as KVNamespace | undefined;
  if (!kv) {
    log("error", "AUTH_REQUIRED is true but the API_KEYS binding is missing", { request_id: c.get("requestId") });
    throw new ApiError("auth_unavailable", "API keys cannot be checked right now (server misconfiguration); retry later and quote the request_id", { headers: { "Retry-After": "30" } });
  }
  let raw: string | null;
  try {
    raw = await kv.get(hash, { type: "text", cacheTtl: KEY_CACHE_TTL_SECONDS });
  } catch (err) {
    log("error", "API_KEYS lookup failed", { request_id: c.get("requestId"), ...errorFields(err, false) });
    throw new ApiError("auth_unavailable", "API keys cannot be checked right now; retry in a few seconds", { headers: { "Retry-After": "5" } });
  }
  const record = parseRecord(raw);
  if (!record) throw new ApiError("invalid_api_key", "this API key is not known; check for typos or ask the operator for a key (`node scripts/api-keys.mjs create --name <who>`)");
  if (record.revoked) throw new ApiError("revoked_api_key", "this API key was revoked; ask the operator for a new one (`node scripts/api-keys.mjs create --name <who>`)");

  c.set("client", hash.slice(0, 12));
  await rateLimit(c.env.RATE_LIMITER as RateLimit | undefined, hash, c.get("requestId"), c.get("config").maxPosts);
  return next();
};

/** Seconds until the limiter's current window ends (windows are aligned to the wall clock), at least 1. */
export function retryAfterSeconds(now = Date.now(), period = RATE_LIMIT_PERIOD_SECONDS): number {
  return Math.max(1, period - (Math.floor(now / 1000) % period));
}

async function rateLimit(limiter: RateLimit | undefined, hash: string, requestId: string, maxPosts: number): Promise<void> {
  if (!limiter) return; // not bound (e.g. a test app without it): no limit
  let success = true;
  try {
    ({ success } = await limiter.limit({ key: hash }));
  } catch (err) {
    // The limiter is advisory and eventually consistent; failing open beats failing every request.
    log("warn", "rate limiter failed; allowing the request", { request_id: requestId, ...errorFields(err, false) });
  }
  if (!success) {
    const retryAfter = retryAfterSeconds();
    throw new ApiError(
      "rate_limited",
      `too many requests for this API key; wait ${retryAfter} s (Retry-After) and retry, or send up to ${maxPosts} posts per request`,
      { headers: { "Retry-After": String(retryAfter) } },
    );
  }
}

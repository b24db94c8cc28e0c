// Limits, cache TTL, auth switch and CORS origins from the Worker's vars, bounded so that a bad deploy value cannot switch a limit off.
import type { Config, Env } from "./env";

export const DEFAULT_CONFIG: Config = {
  cacheTtlSeconds: 604_800,
  maxPosts: 32,
  maxCharsPerPost: 10_000,
  maxTotalChars: 64_000,
  maxBodyBytes: 1_048_576,
  maxExplainPosts: 8,
  maxExplainChars: 3_000,
  authRequired: true,
  corsOrigins: [],
};

/** KV refuses expirationTtl below 60 s. */
export const MIN_CACHE_TTL_SECONDS = 60;
/** KV bulk get takes at most 100 keys; a request never needs more. */
export const HARD_MAX_POSTS = 100;

function intVar(raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === null || String(raw).trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(n)));
}

/** Fails closed: only an explicit "false" (or 0/no/off) switches API keys off. */
function boolVar(raw: unknown, fallback: boolean): boolean {
  if (raw === undefined || raw === null || String(raw).trim() === "") return fallback;
  if (typeof raw === "boolean") return raw;
  return !/^(false|0|no|off)$/i.test(String(raw).trim());
}

/** Comma- or space-separated origins; "*" alone allows any. Entries that are not origins are dropped. */
function originsVar(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  const list = String(raw)
    .split(/[\s,]+/)
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  if (list.includes("*")) return ["*"];
  return list.filter((o) => /^https?:\/\/[^/\s]+$/i.test(o));
}

const cache = new WeakMap<object, Config>();

export function readConfig(env: Partial<Record<keyof Env, unknown>> | undefined): Config {
  const source = (env ?? {}) as Partial<Record<string, unknown>>;
  const hit = cache.get(source);
  if (hit) return hit;
  const config: Config = {
    cacheTtlSeconds: intVar(source.CACHE_TTL_SECONDS, DEFAULT_CONFIG.cacheTtlSeconds, MIN_CACHE_TTL_SECONDS, 365 * 86_400),
    maxPosts: intVar(source.MAX_POSTS, DEFAULT_CONFIG.maxPosts, 1, HARD_MAX_POSTS),
    maxCharsPerPost: intVar(source.MAX_CHARS_PER_POST, DEFAULT_CONFIG.maxCharsPerPost, 1, 100_000),
    maxTotalChars: intVar(source.MAX_TOTAL_CHARS, DEFAULT_CONFIG.maxTotalChars, 1, 1_000_000),
    maxBodyBytes: intVar(source.MAX_BODY_BYTES, DEFAULT_CONFIG.maxBodyBytes, 1_024, 16 * 1_048_576),
    maxExplainPosts: intVar(source.MAX_EXPLAIN_POSTS, DEFAULT_CONFIG.maxExplainPosts, 1, HARD_MAX_POSTS),
    maxExplainChars: intVar(source.MAX_EXPLAIN_CHARS, DEFAULT_CONFIG.maxExplainChars, 1, 1_000_000),
    authRequired: boolVar(source.AUTH_REQUIRED, DEFAULT_CONFIG.authRequired),
    corsOrigins: originsVar(source.CORS_ORIGINS),
  };
  cache.set(source, config);
  return config;
}

// The deployment's settings, read from the Worker's vars (wrangler.toml [vars]; `npm run dev` overrides
// AUTH_REQUIRED). VARS is the one home of each setting: its var, its default (used when the var is missing
// or unparsable; test/worker/config.test.ts checks that wrangler.toml ships the same values) and the bounds a
// deploy value is clamped to, so that a bad value cannot switch a limit off.
import type { Env } from "./env";
import { KV_BULK_GET_MAX, KV_MIN_TTL_SECONDS } from "./kv-cache";
import { DEFAULT_MAX_CHARS_PER_POST, type PredictLimits } from "./schemas";

export interface Config extends PredictLimits {
  /** KV expirationTtl of cached predictions and evidence */
  cacheTtlSeconds: number;
  /** request body size in bytes */
  maxBodyBytes: number;
  /** false only when AUTH_REQUIRED is "false"/"0"/"no"/"off" (local dev); missing or anything else means true */
  authRequired: boolean;
  /** allowed browser origins for CORS; ["*"] allows any origin (keys travel in headers, never cookies) */
  corsOrigins: string[];
  /** batch jobs: days a job's input, results and status are kept */
  jobRetentionDays: number;
  /** batch jobs: input lines per queue message (one consumer invocation) */
  jobChunkLines: number;
  /** batch jobs: input lines per job */
  maxJobLines: number;
  /** batch jobs: bytes of a JSONL body sent to POST /v1/jobs, and of one upload part */
  maxJobBodyBytes: number;
  /** the bucket_name of the JOBS_BUCKET binding: inputs by reference are r2://<jobsBucketName>/<key> */
  jobsBucketName: string;
}

/** A var of the Worker: its name, the value when it is missing or unparsable, and how a set value is read. */
export interface Var<T> {
  name: keyof Env & string;
  fallback: T;
  read(raw: unknown): T;
}

function isBlank(raw: unknown): boolean {
  return raw === undefined || raw === null || String(raw).trim() === "";
}

/** An integer, floored and clamped to [min, max]. */
function intVar(name: Var<number>["name"], fallback: number, min: number, max: number): Var<number> {
  return {
    name,
    fallback,
    read(raw) {
      if (isBlank(raw)) return fallback;
      const n = Number(raw);
      return Number.isFinite(n) ? Math.min(max, Math.max(min, Math.floor(n))) : fallback;
    },
  };
}

/** Fails closed: only an explicit "false" (or 0/no/off) switches it off. */
function switchVar(name: Var<boolean>["name"], fallback: boolean): Var<boolean> {
  return {
    name,
    fallback,
    read(raw) {
      if (isBlank(raw)) return fallback;
      if (typeof raw === "boolean") return raw;
      return !/^(false|0|no|off)$/i.test(String(raw).trim());
    },
  };
}

/** Comma- or space-separated origins; "*" alone allows any. Entries that are not origins are dropped. */
const originsVar: Var<string[]> = {
  name: "CORS_ORIGINS",
  fallback: [],
  read(raw) {
    if (raw === undefined || raw === null) return [];
    const list = String(raw)
      .split(/[\s,]+/)
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter(Boolean);
    if (list.includes("*")) return ["*"];
    return list.filter((o) => /^https?:\/\/[^/\s]+$/i.test(o));
  },
};

/** A name: letters, digits, dots and dashes (an R2 bucket name). */
function nameVar(name: Var<string>["name"], fallback: string): Var<string> {
  return {
    name,
    fallback,
    read(raw) {
      const value = isBlank(raw) ? "" : String(raw).trim();
      return /^[a-z0-9][a-z0-9.-]{1,62}$/.test(value) ? value : fallback;
    },
  };
}

export const VARS: { readonly [K in keyof Config]: Var<Config[K]> } = {
  cacheTtlSeconds: intVar("CACHE_TTL_SECONDS", 604_800, KV_MIN_TTL_SECONDS, 365 * 86_400),
  // a request never needs more keys than one KV bulk get takes
  maxPosts: intVar("MAX_POSTS", 32, 1, KV_BULK_GET_MAX),
  maxCharsPerPost: intVar("MAX_CHARS_PER_POST", DEFAULT_MAX_CHARS_PER_POST, 1, 100_000),
  maxTotalChars: intVar("MAX_TOTAL_CHARS", 64_000, 1, 1_000_000),
  maxBodyBytes: intVar("MAX_BODY_BYTES", 1_048_576, 1_024, 16 * 1_048_576),
  maxExplainPosts: intVar("MAX_EXPLAIN_POSTS", 8, 1, KV_BULK_GET_MAX),
  maxExplainChars: intVar("MAX_EXPLAIN_CHARS", 3_000, 1, 1_000_000),
  authRequired: switchVar("AUTH_REQUIRED", true),
  corsOrigins: originsVar,
  jobRetentionDays: intVar("JOB_RETENTION_DAYS", 7, 1, 365),
  // a chunk must fit one consumer invocation's CPU limit and one KV bulk get per MAX_POSTS posts
  jobChunkLines: intVar("JOB_CHUNK_LINES", 100, 1, 1_000),
  maxJobLines: intVar("MAX_JOB_LINES", 1_000_000, 1, 10_000_000),
  // Workers accept request bodies up to 100 MB; R2 multipart parts are at least 5 MiB (but the last)
  maxJobBodyBytes: intVar("MAX_JOB_BODY_BYTES", 33_554_432, 5 * 1_048_576, 95 * 1_048_576),
  jobsBucketName: nameVar("JOBS_BUCKET_NAME", "mhelp-jobs"),
};

type ConfigEntry = { [K in keyof Config]: [K, Var<Config[K]>] }[keyof Config];
const ENTRIES = Object.entries(VARS) as ConfigEntry[];

/** The settings of a Worker whose vars are all missing. */
export const DEFAULT_CONFIG: Config = Object.fromEntries(ENTRIES.map(([key, v]) => [key, v.fallback])) as unknown as Config;

export function readConfig(env: Partial<Record<keyof Env, unknown>> | undefined): Config {
  const source: Partial<Record<string, unknown>> = env ?? {};
  return Object.fromEntries(ENTRIES.map(([key, v]) => [key, v.read(source[v.name])])) as unknown as Config;
}

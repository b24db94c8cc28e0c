import type { Config } from "./config";

// Bindings of the mhelp Worker. The type is generated from wrangler.toml into worker-configuration.d.ts
// (`npm run cf-typegen` after changing bindings or vars):
//   PREDICTIONS        KV prediction cache: key v1:<model>@<version>:<sha256(normalised text)>; also the
//                      evidence cache: ev3:<model>@<version>:<sha256(submitted text)> (offsets only, no text)
//   API_KEYS           KV: key = sha256 hex of an API key, value = {"name", "created", "revoked"?}
//   RATE_LIMITER       Workers Rate Limiting binding, keyed by the API key's hash
//   AUTH_REQUIRED, CORS_ORIGINS, CACHE_TTL_SECONDS, MAX_POSTS, MAX_CHARS_PER_POST, MAX_TOTAL_CHARS,
//   MAX_BODY_BYTES, MAX_EXPLAIN_POSTS, MAX_EXPLAIN_CHARS: strings, parsed and bounded by config.ts (VARS)
//   ANALYTICS          optional Analytics Engine dataset (not in wrangler.toml by default; guarded when absent)
export type Env = Cloudflare.Env & { ANALYTICS?: AnalyticsEngineDataset };

/** What one request did, for the request log line, /metrics and Analytics Engine (counts only, never text or ids). */
export interface RequestStats {
  batchSize?: number;
  cacheHits?: number;
  cacheMisses?: number;
  modelRuns?: number;
  explain?: boolean;
  /** "task:label" for each primary-head decision (help_seeking, condition, every cause) */
  labels?: string[];
}

/** Hono type parameter shared by the app, routes and middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    /** first 12 hex of the caller's API key hash, or "anonymous" when auth is off */
    client?: string;
    /** the error code of the response, set by errorBody() */
    errorCode?: string;
    stats?: RequestStats;
  };
}

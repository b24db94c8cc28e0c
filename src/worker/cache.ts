// Prediction cache in Workers KV.
//   key   = v1:<model name>@<model version>[+<variant>]:<sha256 hex of the normalised text>
//   (the variant only when it is not "default": `default` and `fast` deployments may share a namespace)
//   value = the prediction JSON only ({heads, windows, tokens}); never the text, never the post id.
// Keys change with the model version, so a new model never serves an old model's predictions; the
// normalisation version is fixed per model (model.json), so it is implied by the model version.
import type { Prediction } from "../engine/types";

export const CACHE_KEY_VERSION = "v1";
/** KV bulk reads take at most 100 keys. */
const BULK_GET_MAX = 100;

const encoder = new TextEncoder();

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

export interface ModelRef {
  name: string;
  version: string;
  variant?: string;
}

/** `<name>@<version>`, plus `+<variant>` for any variant other than the default one. */
export function modelTag(model: ModelRef): string {
  const variant = model.variant && model.variant !== "default" ? `+${model.variant}` : "";
  return `${model.name}@${model.version}${variant}`;
}

export async function cacheKey(model: ModelRef, normalisedText: string): Promise<string> {
  return `${CACHE_KEY_VERSION}:${modelTag(model)}:${await sha256Hex(normalisedText)}`;
}

function isPrediction(value: unknown): value is Prediction {
  if (!value || typeof value !== "object") return false;
  const v = value as Partial<Prediction>;
  return typeof v.heads === "object" && v.heads !== null && typeof v.windows === "number";
}

/**
 * Reads many keys at once (KV bulk get, chunks of 100). A KV failure is treated as a miss: the cache
 * must never make a prediction request fail.
 */
export async function readPredictions(kv: KVNamespace, keys: string[]): Promise<Map<string, Prediction>> {
  const found = new Map<string, Prediction>();
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += BULK_GET_MAX) {
    const chunk = unique.slice(i, i + BULK_GET_MAX);
    let values: Map<string, unknown>;
    try {
      values = (await kv.get(chunk, "json")) as Map<string, unknown>;
    } catch (err) {
      console.warn(JSON.stringify({ level: "warn", msg: "kv bulk get failed; treating as misses", error: (err as Error)?.name }));
      continue;
    }
    for (const [key, value] of values) if (isPrediction(value)) found.set(key, value);
  }
  return found;
}

/** Writes predictions with a TTL; failures are logged (without keys' text, which never exists) and swallowed. */
export async function writePredictions(kv: KVNamespace, entries: Array<[string, Prediction]>, ttlSeconds: number): Promise<void> {
  const results = await Promise.allSettled(
    entries.map(([key, prediction]) =>
      kv.put(key, JSON.stringify({ heads: prediction.heads, windows: prediction.windows, tokens: prediction.tokens }), {
        expirationTtl: Math.max(60, Math.floor(ttlSeconds)),
      }),
    ),
  );
  const failed = results.filter((r) => r.status === "rejected").length;
  if (failed > 0) console.warn(JSON.stringify({ level: "warn", msg: "kv put failed", failed, total: entries.length }));
}

// ------------------------------------------------------------------------------------------ evidence
// Evidence spans are offsets into the SUBMITTED text, so they are keyed by the hash of that text (not the
// normalised one) under their own prefix:  ev1:<model name>@<model version>[+<variant>]:<sha256 of the text>.
// The value holds the score and the offsets only, never the text.

export const EVIDENCE_KEY_VERSION = "ev1";

export interface CachedEvidence {
  score: number;
  spans: Array<{ start: number; end: number; weight: number }>;
  sentences_scored: number;
  sentences_total: number;
}

export async function evidenceKey(model: ModelRef, submittedText: string): Promise<string> {
  return `${EVIDENCE_KEY_VERSION}:${modelTag(model)}:${await sha256Hex(submittedText)}`;
}

function isEvidence(value: unknown): value is CachedEvidence {
  if (!value || typeof value !== "object") return false;
  const v = value as Partial<CachedEvidence>;
  return (
    typeof v.score === "number" &&
    typeof v.sentences_scored === "number" &&
    typeof v.sentences_total === "number" &&
    Array.isArray(v.spans) &&
    v.spans.every((s) => s && typeof s.start === "number" && typeof s.end === "number" && typeof s.weight === "number")
  );
}

/** Bulk read like readPredictions; failures and malformed values are misses. */
export async function readEvidence(kv: KVNamespace, keys: string[]): Promise<Map<string, CachedEvidence>> {
  const found = new Map<string, CachedEvidence>();
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += BULK_GET_MAX) {
    try {
      const values = (await kv.get(unique.slice(i, i + BULK_GET_MAX), "json")) as Map<string, unknown>;
      for (const [key, value] of values) if (isEvidence(value)) found.set(key, value);
    } catch (err) {
      console.warn(JSON.stringify({ level: "warn", msg: "kv evidence get failed; treating as misses", error: (err as Error)?.name }));
    }
  }
  return found;
}

export async function writeEvidence(kv: KVNamespace, entries: Array<[string, CachedEvidence]>, ttlSeconds: number): Promise<void> {
  const results = await Promise.allSettled(
    entries.map(([key, e]) =>
      kv.put(
        key,
        JSON.stringify({
          score: e.score,
          spans: e.spans.map((s) => ({ start: s.start, end: s.end, weight: s.weight })),
          sentences_scored: e.sentences_scored,
          sentences_total: e.sentences_total,
        }),
        { expirationTtl: Math.max(60, Math.floor(ttlSeconds)) },
      ),
    ),
  );
  const failed = results.filter((r) => r.status === "rejected").length;
  if (failed > 0) console.warn(JSON.stringify({ level: "warn", msg: "kv evidence put failed", failed, total: entries.length }));
}

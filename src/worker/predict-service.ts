// The work behind POST /v1/predict: validated posts → results, with cache-through for predictions and evidence.
//
//   1. predictions: each post's normalised text is hashed into a key (prediction-cache.ts), the keys are
//      read from KV in bulk, the model runs once per distinct missing text, and the new predictions are
//      written back after the response (waitUntil)
//   2. evidence, with "explain": true: the same over keys of the submitted texts; a missing entry is computed
//      from the post's own prediction (its p(yes) saves the whole-post pass)
//   3. one result per post in request order: primary and auxiliary heads, the review flag, crisis resources
//      when assess() asks for them, evidence; a warning for a non-English locale; counts for the request log
//
// The model is loaded only when something is missing from the cache.
import type { Engine } from "../engine/engine";
import { helpSeekingEvidence, type Evidence as EngineEvidence } from "../engine/evidence";
import { normalise } from "../engine/normalise";
import { NOTICE } from "../safety/assessment";
import { lazyCrisisResources } from "../safety/crisis-resources";
import type { RequestStats } from "./env";
import { ApiError } from "./errors";
import type { KvCache } from "./kv-cache";
import { errorFields, log } from "./logger";
import { chooseProfile, type ChosenProfile, type ModelProfiles, type Profile } from "../engine/metadata";
import { getEngine, MODEL_INFO, MODEL_PROFILES } from "./model";
import { predictResult } from "./predict-result";
import type { CacheMode } from "./cache-mode";
import { evidenceKey, predictionCaches, predictionKey, type CachedEvidence } from "./prediction-cache";
import type { PredictRequest, PredictResponse } from "./schemas";

export interface PredictContext {
  /** the PREDICTIONS namespace */
  kv: KVNamespace;
  cacheTtlSeconds: number;
  /** the request's Accept-Language: picks the crisis resources when the body has no locale */
  acceptLanguage: string | undefined;
  requestId: string;
  /** keeps the KV writes alive after the response (the Worker's ExecutionContext.waitUntil) */
  waitUntil(work: Promise<unknown>): void;
  /** the engine; by default the isolate's bundled model (model.ts) */
  loadEngine?: () => Promise<Engine>;
  /** the model's operating points; by default the bundled model's (model.ts) */
  profiles?: ModelProfiles | undefined;
  /** how the KV cache is used: "read_write" (the default, /v1/predict), "read" (cached predictions are used,
   * new ones are not written: a batch job of posts that will not come again skips the cost of the writes),
   * "off" (neither) */
  cache?: CacheMode;
}

/** The request's operating point (metadata.ts chooseProfile); a 400 when a request names one for a model
 * without profiles. */
export function chosenProfile(requested: Profile | undefined, profiles: ModelProfiles | undefined): ChosenProfile | undefined {
  if (requested && !profiles) throw new ApiError("invalid_request", `this model has no operating points: leave "profile" out (it was "${requested}")`);
  return chooseProfile(requested, profiles);
}

export async function predictBatch(request: PredictRequest, ctx: PredictContext): Promise<{ body: PredictResponse; stats: RequestStats }> {
  const { posts, locale, explain } = request;
  const profile = chosenProfile(request.profile, "profiles" in ctx ? ctx.profiles : MODEL_PROFILES);
  const caches = predictionCaches(ctx.kv, ctx.cacheTtlSeconds);
  const engine = () => (ctx.loadEngine ?? getEngine)().catch((err: unknown) => modelUnavailable(err, ctx.requestId));

  const normalised = posts.map((p) => normalise(p.text));
  const predictions = await cacheThrough(
    caches.predictions,
    await Promise.all(normalised.map((text) => predictionKey(MODEL_INFO, text))),
    async (indexes) => (await engine()).predictNormalised(indexes.map((i) => normalised[i]!)),
    ctx.waitUntil,
    ctx.cache ?? "read_write",
  );

  const evidence = explain
    ? await cacheThrough(
        caches.evidence,
        await Promise.all(posts.map((p) => evidenceKey(MODEL_INFO, p.text))),
        async (indexes) => {
          const loaded = await engine();
          const computed: CachedEvidence[] = [];
          for (const i of indexes) {
            const score = predictions.values[i]!.heads.help_seeking?.probs.yes;
            computed.push(cachedEvidence(await helpSeekingEvidence(loaded, posts[i]!.text, { score })));
          }
          return computed;
        },
        ctx.waitUntil,
        ctx.cache ?? "read_write",
      )
    : undefined;

  const resourcesFor = lazyCrisisResources(locale, ctx.acceptLanguage);
  const results = posts.map((post, i) =>
    predictResult(post.id, predictions.values[i]!, { cached: predictions.hit[i]!, resources: resourcesFor, evidence: evidence?.values[i], text: post.text, profile }),
  );
  const warnings = localeWarnings(locale);
  const cacheHits = predictions.hit.filter(Boolean).length;
  return {
    body: { model: { ...MODEL_INFO }, notice: NOTICE, results, ...(warnings.length ? { warnings } : {}) },
    stats: {
      batchSize: posts.length,
      cacheHits,
      cacheMisses: posts.length - cacheHits,
      modelRuns: predictions.computed,
      explain,
      labels: results.flatMap((r) => [`help_seeking:${r.help_seeking.label}`, `condition:${r.condition.label}`, ...r.causes.labels.map((l) => `causes:${l}`)]),
    },
  };
}

/**
 * The value of every key (in order) and whether it came from the cache. Each distinct missing key is
 * computed once, from the first index that has it; the computed values are written back via waitUntil.
 */
async function cacheThrough<T>(
  cache: KvCache<T>,
  keys: string[],
  compute: (indexes: number[]) => Promise<T[]>,
  waitUntil: PredictContext["waitUntil"],
  mode: CacheMode,
): Promise<{ values: T[]; hit: boolean[]; computed: number }> {
  const found = mode === "off" ? new Map<string, T>() : await cache.getMany(keys);
  const firstMissing = new Map<string, number>(); // key → index of its first post
  keys.forEach((key, i) => {
    if (!found.has(key) && !firstMissing.has(key)) firstMissing.set(key, i);
  });
  const fresh = new Map<string, T>();
  if (firstMissing.size > 0) {
    const values = await compute([...firstMissing.values()]);
    [...firstMissing.keys()].forEach((key, j) => fresh.set(key, values[j]!));
    if (mode === "read_write") waitUntil(cache.putMany([...fresh]));
  }
  return { values: keys.map((key) => found.get(key) ?? fresh.get(key)!), hit: keys.map((key) => found.has(key)), computed: fresh.size };
}

/** The warning for a request (or a batch job) whose locale is not English: the model was trained on English posts. */
export function localeWarnings(locale: string | undefined): string[] {
  return locale && !/^en(-|$)/i.test(locale) ? [`the model was trained on English posts; predictions for locale "${locale}" are unreliable`] : [];
}

function modelUnavailable(err: unknown, requestId: string): never {
  log("error", "model load failed", { request_id: requestId, ...errorFields(err) });
  throw new ApiError("model_unavailable", "the model could not be loaded in this isolate; retry in a few seconds and quote the request_id if it persists", {
    headers: { "Retry-After": "5" },
  });
}

/** The engine's evidence as it is cached: without the constant `task`. */
function cachedEvidence({ task: _task, ...cached }: EngineEvidence): CachedEvidence {
  return cached;
}


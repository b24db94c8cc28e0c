// POST /v1/predict: batch of posts → help-seeking, condition, causes and every auxiliary head, a review flag,
// crisis resources when the post suggests risk, and (opt-in, "explain": true) help-seeking evidence spans.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { PRIMARY_TASKS } from "../../engine/codebook";
import { helpSeekingEvidence } from "../../engine/evidence";
import { normalise } from "../../engine/normalise";
import type { HeadResult as EngineHeadResult, Prediction } from "../../engine/types";
import { assess, NOTICE } from "../../safety/assessment";
import { crisisResources, type CrisisResources } from "../../safety/crisis-resources";
import {
  cacheKey,
  evidenceKey,
  readEvidence,
  readPredictions,
  writeEvidence,
  writePredictions,
  type CachedEvidence,
} from "../cache";
import type { AppEnv, Config } from "../env";
import { ApiError, defaultHook, errorBody } from "../errors";
import { getEngine, MODEL_INFO } from "../model";
import { errorResponses, REQUEST_ID_HEADER, SECURITY } from "../openapi";
import {
  predictRequestSchema,
  PredictResponseSchema,
  type Evidence,
  type HeadResult,
  type MultiLabel,
  type PredictResponse,
  type PredictResult,
  type SingleLabel,
} from "../schemas";

const EXAMPLE = '{"posts": [{"id": "1", "text": "I have not slept for weeks and I do not know who to talk to"}]}';

/** Content type, empty body and JSON syntax, checked before the schema so each gets its own message. */
const jsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = c.req.header("content-type");
  if (!type || !/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type.trim())) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      `${type ? `Content-Type is "${type.split(";")[0]!.trim().slice(0, 100)}"` : "the request has no Content-Type"}; send the body as JSON with Content-Type: application/json, e.g. ${EXAMPLE}`,
    );
  }
  const raw = await c.req.text();
  if (raw.trim() === "") throw new ApiError(400, "empty_body", `the request body is empty; send JSON like ${EXAMPLE}`);
  try {
    JSON.parse(raw);
  } catch (err) {
    // V8's message quotes part of the body: keep only the position, never the content.
    const position = /position (\d+)/.exec(String((err as Error)?.message))?.[1];
    throw new ApiError(400, "malformed_json", `the body is not valid JSON${position ? ` (error near byte ${position})` : ""}; send JSON like ${EXAMPLE}`);
  }
  await next();
};

function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json(errorBody(c as Context<AppEnv>, "payload_too_large", `the request body is larger than ${maxBytes} bytes; send fewer or shorter posts per request`), 413),
  });
}

function single(head: EngineHeadResult | undefined, task: string): SingleLabel {
  if (!head || !("label" in head)) throw new Error(`model output lacks single-label head "${task}"`);
  return { label: head.label, probs: head.probs };
}

function multi(head: EngineHeadResult | undefined, task: string): MultiLabel {
  if (!head || !("labels" in head)) throw new Error(`model output lacks multi-label head "${task}"`);
  return { labels: head.labels, probs: head.probs };
}

const PRIMARY = new Set<string>(PRIMARY_TASKS);

function toResult(
  id: string,
  prediction: Prediction,
  cached: boolean,
  resources: () => CrisisResources,
  evidence: CachedEvidence | undefined,
): PredictResult {
  const aux: Record<string, HeadResult> = {};
  for (const [task, head] of Object.entries(prediction.heads)) if (!PRIMARY.has(task)) aux[task] = head;
  const a = assess(prediction);
  return {
    id,
    help_seeking: single(prediction.heads.help_seeking, "help_seeking"),
    condition: single(prediction.heads.condition, "condition"),
    causes: multi(prediction.heads.causes, "causes"),
    aux,
    windows: prediction.windows,
    cached,
    review: { needed: a.review, reasons: a.review_reasons },
    ...(a.crisis ? { resources: { ...resources(), reasons: a.crisis_reasons } } : {}),
    ...(evidence ? { evidence: { task: "help_seeking", ...evidence } satisfies Evidence } : {}),
  };
}

function defer(c: Context<AppEnv>, work: Promise<void>): Promise<void> | void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    return work; // no ExecutionContext (e.g. app.request in a unit test): finish before answering
  }
}

function loadEngine(c: Context<AppEnv>) {
  return getEngine().catch((err: unknown) => {
    console.error(JSON.stringify({ level: "error", request_id: c.get("requestId"), msg: "model load failed", error: (err as Error)?.name, message: String((err as Error)?.message ?? err).slice(0, 500) }));
    throw new ApiError(503, "model_unavailable", "the model could not be loaded in this isolate; retry in a few seconds and quote the request_id if it persists", undefined, { "Retry-After": "5" });
  });
}

export function predictRoute(config: Config) {
  return createRoute({
    method: "post",
    path: "/",
    tags: ["predict"],
    summary: "Predict help-seeking, condition and causes for a batch of posts",
    description:
      "Each result carries calibrated probabilities, a `review` flag (uncertain results a human should check), `resources` (crisis lines for the " +
      "request's `locale` or Accept-Language) when the post is `suicidal` or help-seeking with high confidence, and, with `\"explain\": true`, " +
      "`evidence`: the sentences (UTF-16 offsets into the submitted text) whose removal lowers p(help_seeking = yes) the most. " +
      "Post text is never logged or stored; predictions are cached in KV under a hash of the normalised text.",
    security: SECURITY,
    middleware: [limitBody(config.maxBodyBytes), jsonBody] as const,
    request: {
      body: {
        required: true,
        description: "posts to classify",
        content: { "application/json": { schema: predictRequestSchema(config) } },
      },
    },
    responses: {
      200: {
        description: "one result per post, in request order",
        headers: REQUEST_ID_HEADER,
        content: { "application/json": { schema: PredictResponseSchema } },
      },
      ...errorResponses(400, 401, 403, 413, 415, 429, 503),
    },
  });
}

export function predictRoutes(config: Config) {
  return new OpenAPIHono<AppEnv>({ defaultHook }).openapi(predictRoute(config), async (c) => {
    const { posts, locale, explain } = c.req.valid("json");

    const normalised = posts.map((p) => normalise(p.text));
    const keys = await Promise.all(normalised.map((t) => cacheKey(MODEL_INFO, t)));
    const hits = await readPredictions(c.env.PREDICTIONS, keys);

    // Run the model once per distinct missing text.
    const missing = new Map<string, string>(); // key → normalised text
    keys.forEach((key, i) => {
      if (!hits.has(key) && !missing.has(key)) missing.set(key, normalised[i]!);
    });
    const fresh = new Map<string, Prediction>();
    const writes: Promise<void>[] = [];
    if (missing.size > 0) {
      const engine = await loadEngine(c);
      const missKeys = [...missing.keys()];
      const predictions = await engine.predictNormalised([...missing.values()]);
      missKeys.forEach((key, i) => fresh.set(key, predictions[i]!));
      writes.push(writePredictions(c.env.PREDICTIONS, [...fresh], config.cacheTtlSeconds));
    }

    // Evidence (opt-in): cached separately, keyed by the submitted text's hash (offsets refer to it).
    const evidence = new Map<string, CachedEvidence>(); // evidence key → evidence
    let evidenceKeys: string[] = [];
    if (explain) {
      evidenceKeys = await Promise.all(posts.map((p) => evidenceKey(MODEL_INFO, p.text)));
      for (const [k, v] of await readEvidence(c.env.PREDICTIONS, evidenceKeys)) evidence.set(k, v);
      const todo = new Map<string, { text: string; key: string }>(); // evidence key → submitted text, prediction key
      evidenceKeys.forEach((k, i) => {
        if (!evidence.has(k) && !todo.has(k)) todo.set(k, { text: posts[i]!.text, key: keys[i]! });
      });
      if (todo.size > 0) {
        const engine = await loadEngine(c);
        const computed: Array<[string, CachedEvidence]> = [];
        for (const [k, { text, key }] of todo) {
          // the post's own prediction (cached or fresh) gives the full score: no extra model pass for it
          const known = fresh.get(key) ?? hits.get(key);
          const e = await helpSeekingEvidence(engine, text, { score: known?.heads.help_seeking?.probs.yes });
          const value: CachedEvidence = { score: e.score, spans: e.spans.map(({ start, end, weight }) => ({ start, end, weight })), sentences_scored: e.sentencesScored, sentences_total: e.sentencesTotal };
          evidence.set(k, value);
          computed.push([k, value]);
        }
        writes.push(writeEvidence(c.env.PREDICTIONS, computed, config.cacheTtlSeconds));
      }
    }
    if (writes.length) {
      const pending = defer(c, Promise.all(writes).then(() => undefined));
      if (pending) await pending;
    }

    let resources: CrisisResources | null = null;
    const resourcesFor = () => (resources ??= crisisResources(locale, c.req.header("accept-language")));
    const results = posts.map((post, i) => {
      const key = keys[i]!;
      const hit = hits.get(key);
      const ev = explain ? evidence.get(evidenceKeys[i]!) : undefined;
      return hit ? toResult(post.id, hit, true, resourcesFor, ev) : toResult(post.id, fresh.get(key)!, false, resourcesFor, ev);
    });

    const warnings: string[] = [];
    if (locale && !/^en(-|$)/i.test(locale)) {
      warnings.push(`the model was trained on English posts; predictions for locale "${locale}" are unreliable`);
    }
    const body: PredictResponse = {
      model: { ...MODEL_INFO },
      notice: NOTICE,
      results,
      ...(warnings.length ? { warnings } : {}),
    };
    // Counts only: no text, no ids. The request log line and /metrics read these.
    const cacheHits = results.filter((r) => r.cached).length;
    c.set("stats", {
      batchSize: posts.length,
      cacheHits,
      cacheMisses: posts.length - cacheHits,
      modelRuns: missing.size,
      explain,
      labels: results.flatMap((r) => [`help_seeking:${r.help_seeking.label}`, `condition:${r.condition.label}`, ...r.causes.labels.map((l) => `causes:${l}`)]),
    });
    c.header("Cache-Control", "no-store");
    return c.json(body, 200);
  });
}

// POST /v1/predict: batch of posts → help-seeking, condition, causes and every auxiliary head.
import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { PRIMARY_TASKS } from "../../engine/codebook";
import { normalise } from "../../engine/normalise";
import type { HeadResult as EngineHeadResult, Prediction } from "../../engine/types";
import { cacheKey, readPredictions, writePredictions } from "../cache";
import type { AppEnv, Config } from "../env";
import { ApiError, errorBody, toIssues } from "../errors";
import { getEngine, MODEL_INFO } from "../model";
import {
  NOTICE,
  predictRequestSchema,
  type HeadResult,
  type MultiLabel,
  type PredictResponse,
  type PredictResult,
  type SingleLabel,
} from "../schemas";

const EXAMPLE = '{"posts": [{"id": "1", "text": "I have not slept for weeks and I do not know who to talk to"}]}';

const schemas = new WeakMap<Config, ReturnType<typeof predictRequestSchema>>();
function schemaFor(config: Config) {
  let schema = schemas.get(config);
  if (!schema) {
    schema = predictRequestSchema(config);
    schemas.set(config, schema);
  }
  return schema;
}

/** 413 for limit violations (too many posts, too much text), 400 for everything else. */
function statusFor(issues: ReadonlyArray<{ code: string; path: PropertyKey[] }>): ContentfulStatusCode {
  const oversized = issues.some(
    (i) => i.code === "too_big" && (i.path.length === 1 || (i.path.length === 3 && i.path[2] === "text")),
  );
  return oversized ? 413 : 400;
}

async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const type = c.req.header("content-type");
  if (type && !/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type.trim())) {
    throw new ApiError(415, "unsupported_media_type", `Content-Type is "${type.split(";")[0]}"; send the body as JSON with Content-Type: application/json, e.g. ${EXAMPLE}`);
  }
  const raw = await c.req.text();
  if (raw.trim() === "") {
    throw new ApiError(400, "empty_body", `the request body is empty; send JSON like ${EXAMPLE}`);
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    // V8's message quotes part of the body: keep only the position, never the content.
    const position = /position (\d+)/.exec(String((err as Error)?.message))?.[1];
    throw new ApiError(400, "malformed_json", `the body is not valid JSON${position ? ` (error near byte ${position})` : ""}; send JSON like ${EXAMPLE}`);
  }
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

function toResult(id: string, prediction: Prediction, cached: boolean): PredictResult {
  const aux: Record<string, HeadResult> = {};
  for (const [task, head] of Object.entries(prediction.heads)) if (!PRIMARY.has(task)) aux[task] = head;
  return {
    id,
    help_seeking: single(prediction.heads.help_seeking, "help_seeking"),
    condition: single(prediction.heads.condition, "condition"),
    causes: multi(prediction.heads.causes, "causes"),
    aux,
    windows: prediction.windows,
    cached,
  };
}

function defer(c: Context<AppEnv>, work: Promise<void>): Promise<void> | void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    return work; // no ExecutionContext (e.g. app.request in a unit test): finish before answering
  }
}

export const predictRoutes = new Hono<AppEnv>().post(
  "/",
  (c, next) =>
    bodyLimit({
      maxSize: c.get("config").maxBodyBytes,
      onError: (ctx) =>
        ctx.json(
          errorBody(ctx, "payload_too_large", `the request body is larger than ${ctx.get("config").maxBodyBytes} bytes; send fewer or shorter posts per request`),
          413,
        ),
    })(c, next),
  async (c) => {
    const config = c.get("config");
    const parsed = schemaFor(config).safeParse(await readJson(c));
    if (!parsed.success) {
      const issues = toIssues(parsed.error);
      const status = statusFor(parsed.error.issues);
      const summary = issues.slice(0, 3).map((i) => `${formatPath(i.path)}: ${i.message}`).join("; ");
      throw new ApiError(status, status === 413 ? "payload_too_large" : "invalid_request", `${summary}${issues.length > 3 ? `; and ${issues.length - 3} more (see issues)` : ""}`, issues);
    }
    const { posts, locale } = parsed.data;

    const normalised = posts.map((p) => normalise(p.text));
    const keys = await Promise.all(normalised.map((t) => cacheKey(MODEL_INFO, t)));
    const hits = await readPredictions(c.env.PREDICTIONS, keys);

    // Run the model once per distinct missing text.
    const missing = new Map<string, string>(); // key → normalised text
    keys.forEach((key, i) => {
      if (!hits.has(key) && !missing.has(key)) missing.set(key, normalised[i]!);
    });
    const fresh = new Map<string, Prediction>();
    if (missing.size > 0) {
      const engine = await getEngine().catch((err: unknown) => {
        console.error(JSON.stringify({ level: "error", request_id: c.get("requestId"), msg: "model load failed", error: (err as Error)?.name, message: String((err as Error)?.message ?? err).slice(0, 500) }));
        throw new ApiError(503, "model_unavailable", "the model could not be loaded in this isolate; retry in a few seconds and quote the request_id if it persists");
      });
      const missKeys = [...missing.keys()];
      const predictions = await engine.predictNormalised([...missing.values()]);
      missKeys.forEach((key, i) => fresh.set(key, predictions[i]!));
      const write = writePredictions(c.env.PREDICTIONS, [...fresh], config.cacheTtlSeconds);
      const pending = defer(c, write);
      if (pending) await pending;
    }

    const results = posts.map((post, i) => {
      const key = keys[i]!;
      const hit = hits.get(key);
      return hit ? toResult(post.id, hit, true) : toResult(post.id, fresh.get(key)!, false);
    });

    const warnings: string[] = [];
    if (locale && !/^en(-|$)/i.test(locale)) {
      warnings.push(`the model was trained on English posts; predictions for locale "${locale}" are unreliable`);
    }
    const body: PredictResponse = {
      model: { name: MODEL_INFO.name, version: MODEL_INFO.version },
      notice: NOTICE,
      results,
      ...(warnings.length ? { warnings } : {}),
    };
    // Counts only: no text, no ids.
    console.log(JSON.stringify({ request_id: c.get("requestId"), route: "predict", posts: posts.length, cache_hits: posts.length - results.filter((r) => !r.cached).length, model_runs: missing.size }));
    return c.json(body, 200);
  },
);

function formatPath(path: Array<string | number>): string {
  if (path.length === 0) return "body";
  return path.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");
}

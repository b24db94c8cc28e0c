// What /v1/predict caches in the PREDICTIONS KV namespace, and under which keys.
//
//   v1:<model name>@<model version>[+<variant>]:<sha256 hex of the normalised text>
//       the prediction ({heads, windows, tokens}); never the text, never the post id
//   ev3:<model name>@<model version>[+<variant>]:<sha256 hex of the submitted text>
//       help-seeking evidence (score and UTF-16 offsets into the submitted text, hence its own key); never the text.
//       ev3: spans ranked by the request-sentence scorer and p(yes) alone, with both parts (ev2 held p(yes) alone
//       only, ev1 occlusion drops: different meanings and spans, so older entries are never read)
//
// Keys change with the model version, so a new model never serves an old model's predictions; the
// normalisation version is fixed per model (model.json), so it is implied by the model version. The variant
// appears only when it is not "default": `default` and `fast` deployments may share a namespace.
import { z } from "@hono/zod-openapi";
import type { Prediction } from "../engine/types";
import { KvCache } from "./kv-cache";
import { EvidenceSchema, HeadResultSchema } from "./schemas";
import { sha256Hex } from "./sha256";

export const PREDICTION_KEY_VERSION = "v1";
export const EVIDENCE_KEY_VERSION = "ev3";

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

export async function predictionKey(model: ModelRef, normalisedText: string): Promise<string> {
  return `${PREDICTION_KEY_VERSION}:${modelTag(model)}:${await sha256Hex(normalisedText)}`;
}

export async function evidenceKey(model: ModelRef, submittedText: string): Promise<string> {
  return `${EVIDENCE_KEY_VERSION}:${modelTag(model)}:${await sha256Hex(submittedText)}`;
}

/** A cached prediction: the engine's Prediction, every head as the API returns it. */
export const CachedPredictionSchema = z.object({
  heads: z.record(z.string(), HeadResultSchema),
  windows: z.number().int().min(1),
  tokens: z.number().int().min(0),
}) satisfies z.ZodType<Prediction>;

/** Cached evidence: the API's Evidence without its constant `task`. */
export const CachedEvidenceSchema = EvidenceSchema.omit({ task: true });
export type CachedEvidence = z.infer<typeof CachedEvidenceSchema>;

/** The two caches of one namespace, both with the deployment's TTL. */
export function predictionCaches(kv: KVNamespace, ttlSeconds: number) {
  return {
    predictions: new KvCache<Prediction>(kv, CachedPredictionSchema, { name: "predictions", ttlSeconds }),
    evidence: new KvCache<CachedEvidence>(kv, CachedEvidenceSchema, { name: "evidence", ttlSeconds }),
  };
}

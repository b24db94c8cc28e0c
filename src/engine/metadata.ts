// model.json, validated with zod so a broken or mismatched model fails at load with a clear message
// instead of producing wrong labels. The format is documented in docs/model-format.md.
import { z } from "zod";
import { TASKS } from "./codebook";
import { NORMALISATION_VERSION } from "./normalise";
import type { Aggregation, HeadSpec } from "./types";

/** 1: the first format. 2: adds each head's `aggregation` (format 1 files get the kind's default). 3: adds a binary
 * head's optional `post_calibration` map. 4: adds the optional lexical heads (`lexical`) and each head's
 * `lexical_weight` (docs/model-format.md). */
export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [1, 2, 3, 4];

const headSchema = z.object({
  task: z.string(),
  kind: z.enum(["single_label", "multi_label"]),
  labels: z.array(z.string()).min(1),
  temperature: z.number().positive().default(1),
  thresholds: z.array(z.number().min(0).max(1)).nullable().default(null),
  aggregation: z.enum(["token_mean", "max"]).optional(),
  /** binary single_label heads: monotone map of the aggregated p(labels[1]) (knots; absent = no map) */
  post_calibration: z.object({ x: z.array(z.number().min(0).max(1)).min(2), y: z.array(z.number().min(0).max(1)).min(2) }).optional(),
  /** weight of the post's lexical logits in every window's logits, (1 - w) * window + w * lexical (format 4; absent = 0) */
  lexical_weight: z.number().min(0).max(1).optional(),
});

/** Format 1 had no per-head aggregation: a long post is judged as a whole by single-label heads, and a
 * multi-label cause stated in any window counts. */
export function defaultAggregation(kind: "single_label" | "multi_label"): Aggregation {
  return kind === "single_label" ? "token_mean" : "max";
}

/** The named operating points on p(help_seeking = yes) a caller may choose (issue 15; chosen on gold dev by
 * `python -m mhelp_pipeline profiles`, scripts/mhelp_pipeline/evaluate/profiles.py). The one home of the names. */
export const PROFILES = ["high_recall", "balanced", "high_precision"] as const;
export type Profile = (typeof PROFILES)[number];

const profileEstimateSchema = z
  .object({ precision: z.number(), recall: z.number(), f1: z.number() })
  .passthrough();

const profilesSchema = z
  .object({
    task: z.literal("help_seeking"),
    default: z.enum(PROFILES),
    source: z.string().optional(),
    thresholds: z.object({ high_recall: z.number().min(0).max(1), balanced: z.number().min(0).max(1), high_precision: z.number().min(0).max(1) }),
    cross_fitted: z.record(z.string(), profileEstimateSchema).optional(),
  })
  .passthrough();

export type ModelProfiles = z.infer<typeof profilesSchema>;

/** The operating point that decides help_seeking's label: yes iff p(yes) >= threshold. */
export interface ChosenProfile {
  name: Profile;
  threshold: number;
}

/** The requested profile, else the model's default; undefined when the model has no profiles (its own threshold
 * decides). A caller that names a profile for such a model is told so by the API or the CLI, each in its words. */
export function chooseProfile(requested: Profile | undefined, profiles: ModelProfiles | undefined): ChosenProfile | undefined {
  if (!profiles) return undefined;
  const name = requested ?? profiles.default;
  return { name, threshold: profiles.thresholds[name] };
}

/** model.json's optional `profiles` (undefined when absent); throws with a clear message when malformed. */
export function parseProfiles(raw: unknown): ModelProfiles | undefined {
  if (raw === undefined || raw === null) return undefined;
  const parsed = profilesSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `profiles.${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid model.json: ${issues}`);
  }
  return parsed.data;
}

export const modelMetadataSchema = z
  .object({
    format_version: z.number().refine((v) => SUPPORTED_FORMAT_VERSIONS.includes(v), {
      message: `unsupported format_version; this engine reads ${SUPPORTED_FORMAT_VERSIONS.join(", ")} (docs/model-format.md)`,
    }),
    name: z.string().min(1),
    version: z.string().min(1),
    variant: z.string().default("default"),
    onnx: z.string(),
    onnx_sha256: z.string().optional(),
    tokenizer: z.string(),
    do_lower_case: z.boolean().default(true),
    max_length: z.number().int().min(8).max(4096),
    stride: z.number().int().min(0),
    normalisation_version: z.number().int(),
    codebook_version: z.string(),
    heads: z.array(headSchema).min(1),
    notice: z.string().default("Decision support for trained humans, not a diagnosis."),
    /** the lexical heads' file in the model folder (format 4; src/engine/lexical.ts); absent = the encoder alone */
    lexical: z.object({ file: z.string().min(1), format_version: z.number(), sha256: z.string().optional() }).passthrough().optional(),
    /** named thresholds on p(help_seeking = yes) (issue 15); absent in models exported before 0.5.0's profiles */
    profiles: profilesSchema.optional(),
  })
  .passthrough();

export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

/** Parses model.json and checks it against the codebook and this engine's normalisation. */
export function parseModelMetadata(raw: unknown): ModelMetadata {
  const parsed = modelMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`invalid model.json: ${issues}`);
  }
  const meta = parsed.data;
  if (meta.normalisation_version !== NORMALISATION_VERSION) {
    throw new Error(
      `model.json was trained with normalisation v${meta.normalisation_version}, this engine implements v${NORMALISATION_VERSION}; retrain or upgrade the engine`,
    );
  }
  if (meta.stride >= meta.max_length - 2) {
    throw new Error(`model.json: stride (${meta.stride}) must be smaller than max_length - 2 (${meta.max_length - 2})`);
  }
  if (meta.lexical && meta.format_version < 4) {
    throw new Error(`model.json names lexical heads (${meta.lexical.file}), which needs format_version 4`);
  }
  for (const head of meta.heads) {
    if (meta.format_version < 2 && head.aggregation) {
      throw new Error(`model.json: head "${head.task}" sets aggregation, which needs format_version 2`);
    }
    if (head.aggregation === "max" && head.kind === "single_label" && head.labels.length !== 2) {
      throw new Error(`model.json: head "${head.task}": max aggregation of a single-label head needs two labels`);
    }
    if (meta.format_version < 3 && head.post_calibration) {
      throw new Error(`model.json: head "${head.task}" sets post_calibration, which needs format_version 3`);
    }
    if (meta.format_version < 4 && head.lexical_weight !== undefined) {
      throw new Error(`model.json: head "${head.task}" sets lexical_weight, which needs format_version 4`);
    }
    if (head.lexical_weight && !meta.lexical) {
      throw new Error(`model.json: head "${head.task}" sets lexical_weight but no lexical heads are named (lexical.file)`);
    }
    if (head.post_calibration) checkPostCalibration(head.task, head.kind, head.labels.length, head.post_calibration);
    const task = TASKS.find((t) => t.key === head.task);
    if (!task) throw new Error(`model.json: head "${head.task}" is not a task of the codebook`);
    if (task.kind !== head.kind || task.labels.join("|") !== head.labels.join("|")) {
      throw new Error(`model.json: head "${head.task}" does not match the codebook's ${task.kind} labels [${task.labels.join(", ")}]`);
    }
    if (head.thresholds) {
      const expected = head.kind === "multi_label" ? head.labels.length : 1;
      if (head.thresholds.length !== expected || (head.kind === "single_label" && head.labels.length !== 2)) {
        throw new Error(`model.json: head "${head.task}" needs ${expected} threshold(s) for a ${head.kind} head`);
      }
    }
  }
  return meta;
}

/** A post_calibration map must belong to a binary single-label head and be a function that never decreases:
 * as many y as x, x strictly increasing, y non-decreasing. */
function checkPostCalibration(task: string, kind: string, labels: number, m: { x: number[]; y: number[] }): void {
  const bad = (why: string) => new Error(`model.json: head "${task}": post_calibration ${why}`);
  if (kind !== "single_label" || labels !== 2) throw bad("needs a binary single-label head");
  if (m.x.length !== m.y.length) throw bad("needs as many y as x knots");
  for (let i = 1; i < m.x.length; i++) {
    if (!(m.x[i]! > m.x[i - 1]!)) throw bad("x must be strictly increasing");
    if (m.y[i]! < m.y[i - 1]!) throw bad("y must not decrease");
  }
}

export function headSpecs(meta: ModelMetadata): HeadSpec[] {
  return meta.heads.map((h) => ({ ...h, labels: [...h.labels], aggregation: h.aggregation ?? defaultAggregation(h.kind) }));
}

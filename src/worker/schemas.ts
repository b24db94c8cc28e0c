// The single source of truth for what the API accepts and returns: routes validate with these schemas
// (@hono/zod-openapi), response types are inferred from them (the typed client uses the same types), the
// OpenAPI document at /openapi.json is generated from them, and the tests parse responses with them.
// `z` comes from @hono/zod-openapi: it is zod itself, extended with `.openapi()` for names and examples.
import { z } from "@hono/zod-openapi";
import { NOTICE } from "../safety/assessment";
import type { Evidence as EngineEvidence } from "../engine/evidence";
import { PROFILES } from "../engine/metadata";

export { NOTICE };

/** The request limits the predict schema enforces; each deployment sets them through its vars (config.ts). */
export interface PredictLimits {
  /** posts per request */
  maxPosts: number;
  /** characters (UTF-16 code units) per post */
  maxCharsPerPost: number;
  /** characters per request, summed over posts (bounds CPU per request) */
  maxTotalChars: number;
  /** posts per request when `explain` is true (each explained post runs the model on up to MAX_EVIDENCE_SENTENCES sentences, src/engine/evidence.ts) */
  maxExplainPosts: number;
  /** characters per request, summed over posts, when `explain` is true (bounds the extra model passes) */
  maxExplainChars: number;
}

/** MAX_CHARS_PER_POST when the var is missing (config.ts); the CLI's --max-chars default too. */
export const DEFAULT_MAX_CHARS_PER_POST = 10_000;

// ---------------------------------------------------------------- requests

/** Loose BCP 47 shape: en, en-GB, pt-BR, zh-Hant-TW. */
export const LOCALE_RE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;

/**
 * Holds a character that String.prototype.trim() keeps: exactly the complement of JavaScript's whitespace
 * (WhiteSpace + LineTerminator), spelled out rather than `\S` so that the OpenAPI `pattern` means the same in
 * other regex engines (Python's `\S`, used by Schemathesis, disagrees on U+FEFF and U+001C–U+001F).
 */
export const NON_BLANK_RE = /[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;
const BLANK_TEXT = "text is empty or only whitespace; send the post's body";

export const PREDICT_EXAMPLE = {
  posts: [{ id: "t3_abc123", text: "I have had panic attacks every night for a month. Has anyone dealt with this? What helped?" }],
  locale: "en-GB",
  explain: true,
};

export function predictRequestSchema(limits: PredictLimits) {
  const post = z.strictObject(
    {
      id: z
        .string({ error: "id must be a string, e.g. \"t3_abc123\"" })
        .min(1, { error: "id must not be empty" })
        .max(256, { error: "id must be at most 256 characters" }),
      text: z
        .string({ error: "text must be a string holding the post's body" })
        .max(limits.maxCharsPerPost, {
          error: (iss) =>
            `text is too long: the limit is ${limits.maxCharsPerPost} characters per post; split or shorten the post` +
            (typeof iss.input === "string" ? ` (got ${iss.input.length})` : ""),
        })
        // minLength and pattern, not a refine: the OpenAPI document then says what the Worker enforces
        .min(1, { error: BLANK_TEXT, abort: true })
        .regex(NON_BLANK_RE, { error: BLANK_TEXT })
        .openapi({ description: "the post's body, not empty or only whitespace; never logged or stored (the cache key is a hash)" }),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? `unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(", ")}; a post has only "id" and "text"` : "each post must be an object {\"id\": string, \"text\": string}") },
  );

  return z
    .strictObject(
      {
        posts: z
          .array(post, { error: "posts must be an array of {\"id\", \"text\"} objects" })
          .min(1, { error: "posts is empty; send at least one post" })
          .max(limits.maxPosts, {
            error: `too many posts: send at most ${limits.maxPosts} per request and split larger batches into several requests`,
          })
          .openapi({ description: `1 to ${limits.maxPosts} posts, each with an \`id\` unique within the request` }),
        locale: z
          .string()
          .regex(LOCALE_RE, { error: "locale must be a BCP 47 tag such as \"en\" or \"en-GB\"" })
          .optional()
          .openapi({ description: "BCP 47 tag of the posts' language/region; picks the crisis resources (falls back to Accept-Language)", example: "en-GB" }),
        explain: z
          .boolean({ error: "explain must be true or false" })
          .default(false)
          .openapi({
            description: `attach help-seeking evidence (character spans of the submitted text) to each result; runs extra model passes, so at most ${limits.maxExplainPosts} posts and ${limits.maxExplainChars} characters per request`,
          }),
        profile: z
          .enum(PROFILES, { error: `profile must be one of ${PROFILES.map((p) => `"${p}"`).join(", ")}` })
          .optional()
          .openapi({
            description:
              "the operating point that decides `help_seeking.label`: `high_recall` (triage: catch requests), `balanced` (max F1; the default) or `high_precision`; thresholds on p(yes) chosen on the gold dev set (docs/model-card.md, Operating points)",
          }),
      },
      {
        error: (iss) =>
          iss.code === "unrecognized_keys"
            ? `unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(", ")}; the body has "posts" and optionally "locale", "explain" and "profile"`
            : "the body must be a JSON object like {\"posts\": [{\"id\": \"1\", \"text\": \"...\"}]}",
      },
    )
    .superRefine((body, ctx) => {
      const seen = new Map<string, number>();
      let total = 0;
      body.posts.forEach((p, i) => {
        total += p.text.length;
        const first = seen.get(p.id);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["posts", i, "id"],
            message: `duplicate id "${p.id}" (also at posts[${first}]); every post in a request needs a unique id`,
          });
        } else seen.set(p.id, i);
      });
      if (total > limits.maxTotalChars) {
        ctx.addIssue({
          code: "too_big",
          origin: "string",
          maximum: limits.maxTotalChars,
          inclusive: true,
          input: total,
          path: ["posts"],
          message: `the posts hold ${total} characters in total; the limit is ${limits.maxTotalChars} per request: send fewer or shorter posts per request`,
        });
      }
      if (body.explain && body.posts.length > limits.maxExplainPosts) {
        ctx.addIssue({
          code: "too_big",
          origin: "array",
          maximum: limits.maxExplainPosts,
          inclusive: true,
          input: body.posts.length,
          path: ["posts"],
          message: `explain runs extra model passes per post: send at most ${limits.maxExplainPosts} posts per request with "explain": true, or leave explain off`,
        });
      }
      if (body.explain && total > limits.maxExplainChars && total <= limits.maxTotalChars) {
        ctx.addIssue({
          code: "too_big",
          origin: "string",
          maximum: limits.maxExplainChars,
          inclusive: true,
          input: total,
          path: ["posts"],
          message: `explain runs extra model passes per sentence: with "explain": true the posts may hold at most ${limits.maxExplainChars} characters in total (got ${total}); send fewer or shorter posts, or leave explain off`,
        });
      }
    })
    .openapi("PredictRequest", {
      example: PREDICT_EXAMPLE,
      // The superRefine above in the document's words, as far as JSON Schema can say it: what it can express
      // is predictRequestConditionals (openapi.ts adds it); unique ids and the character budgets summed over
      // posts it cannot, so they are described.
      description:
        `Also enforced (400 \`invalid_request\`): every post's \`id\` is unique within the request; the posts hold at most ${limits.maxTotalChars} ` +
        `characters in total; with \`"explain": true\` at most ${limits.maxExplainPosts} posts and ${limits.maxExplainChars} characters in total.`,
    });
}

/**
 * The explain limits of predictRequestSchema's superRefine that JSON Schema can express, as an if/then for the
 * PredictRequest component (zod-openapi has no way to emit them): with `"explain": true` at most
 * maxExplainPosts posts, none longer than maxExplainChars (their sum is bounded too, which only the description says).
 */
export function predictRequestConditionals(limits: PredictLimits) {
  return {
    if: { properties: { explain: { const: true } }, required: ["explain"] },
    then: { properties: { posts: { maxItems: limits.maxExplainPosts, items: { properties: { text: { maxLength: limits.maxExplainChars } } } } } },
  };
}

export type PredictRequest = z.infer<ReturnType<typeof predictRequestSchema>>;
/** What a client sends (`explain` may be left out). */
export type PredictRequestInput = z.input<ReturnType<typeof predictRequestSchema>>;

// ---------------------------------------------------------------- responses

export const ProbsSchema = z
  .record(z.string(), z.number().min(0).max(1))
  .openapi("Probabilities", { description: "calibrated probability per label", example: { no: 0.08, yes: 0.92 } });
export const SingleLabelSchema = z
  .object({ label: z.string(), probs: ProbsSchema })
  .openapi("SingleLabel", { example: { label: "yes", probs: { no: 0.08, yes: 0.92 } } });
export const MultiLabelSchema = z
  .object({ labels: z.array(z.string()), probs: ProbsSchema })
  .openapi("MultiLabel", { example: { labels: ["health"], probs: { health: 0.71, work: 0.12 } } });
export const HeadResultSchema = z.union([SingleLabelSchema, MultiLabelSchema]).openapi("HeadResult");

export const ModelRefSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    /** which build of the model family: "default", or "fast" (smaller, faster, less accurate; see the model card) */
    variant: z.string(),
  })
  .openapi("ModelRef", { example: { name: "mhelp-student", version: "0.3.0", variant: "default" } });

export const EvidenceSpanSchema = z
  .object({
    /** UTF-16 offsets into the submitted text (JavaScript string indices), end exclusive */
    start: z.number().int().min(0),
    end: z.number().int().min(0),
    /** request^0.7 × p_alone^0.3 (the exponent is the scorer file's ranking.model_weight): how strongly this
     * sentence is the request for help, by both measures below; spans are ordered by it */
    weight: z.number().min(0).max(1),
    /** P(this sentence is the request for help) from the request-sentence scorer (learned from annotators'
     * help_evidence: the sentence's words, its place in the post, question marks, request words) */
    request: z.number().min(0).max(1),
    /** p(help_seeking = yes) the model gives this span on its own (a one-sentence post: the post's score) */
    p_alone: z.number().min(0).max(1),
  })
  .openapi("EvidenceSpan", {
    description: "a sentence of the submitted text; start/end are UTF-16 offsets (JavaScript string indices), end exclusive",
    example: { start: 51, end: 80, weight: 0.62, request: 0.71, p_alone: 0.45 },
  });

export const EvidenceSchema = z
  .object({
    task: z.literal("help_seeking"),
    /** p(help_seeking = yes) of the submitted text */
    score: z.number().min(0).max(1),
    /** at most 3 spans, highest weight first (a one-sentence post: its one sentence, only when judged help-seeking) */
    spans: z.array(EvidenceSpanSchema),
    /** sentences the model scored on their own (long posts: the 6 with the best request scores) */
    sentences_scored: z.number().int().min(0),
    sentences_total: z.number().int().min(0),
  })
  .openapi("Evidence", {
    description:
      "the sentences of the submitted text most likely to be its request for help: every sentence gets a request score (a scorer learned from annotators' marked requests), the model scores the best 6 on their own, and `weight` combines the two. Decision support for a trained reader, not a finding about the author",
  });

export const ReviewSchema = z
  .object({
    needed: z.boolean(),
    /** help_seeking_uncertain | condition_uncertain | too_short | possible_risk | not_english */
    reasons: z.array(z.string()),
  })
  .openapi("Review", {
    description: "whether a trained human should review this result before anyone acts on it, and why",
    example: { needed: true, reasons: ["help_seeking_uncertain"] },
  });

export const CrisisResourceSchema = z
  .object({
    name: z.string(),
    kind: z.enum(["phone", "text", "web"]),
    contact: z.string(),
    hours: z.string(),
    source: z.string(),
  })
  .openapi("CrisisResource");

export const ResourcesSchema = z
  .object({
    /** ISO country code the resources are for, or "international" */
    country: z.string(),
    name: z.string(),
    emergency: z.string(),
    resources: z.array(CrisisResourceSchema),
    international: z.array(CrisisResourceSchema),
    last_reviewed: z.string(),
    note: z.string(),
    /** condition_suicidal | help_seeking_high_confidence */
    reasons: z.array(z.string()),
  })
  .openapi("CrisisResources", {
    description: "crisis lines for the request's locale (or Accept-Language), attached when the post suggests risk",
  });

export const PredictResultSchema = z
  .object({
    id: z.string(),
    help_seeking: SingleLabelSchema,
    condition: SingleLabelSchema,
    causes: MultiLabelSchema,
    /** every auxiliary head of the model, keyed by task */
    aux: z.record(z.string(), HeadResultSchema),
    /** model windows the post was split into (long posts are never silently truncated) */
    windows: z.number().int().min(1),
    cached: z.boolean(),
    review: ReviewSchema,
    /** present when the post is `suicidal` or help-seeking with high confidence */
    resources: ResourcesSchema.optional(),
    /** present when the request asked for `"explain": true` */
    evidence: EvidenceSchema.optional(),
    /** per-post warnings, e.g. a post that is not in English (the model learned English posts only) */
    warnings: z.array(z.string()).optional(),
    /** the operating point that decided help_seeking's label (absent when the model has no profiles) */
    profile: z.enum(PROFILES).optional().openapi({ description: "the operating point (threshold on p(help_seeking = yes)) that decided `help_seeking.label`" }),
  })
  .openapi("PredictResult");

export const PredictResponseSchema = z
  .object({
    model: ModelRefSchema,
    notice: z.string().openapi({ example: NOTICE }),
    results: z.array(PredictResultSchema),
    warnings: z.array(z.string()).optional(),
  })
  .openapi("PredictResponse");

export const TaskSchema = z
  .object({
    key: z.string(),
    kind: z.enum(["single_label", "multi_label"]),
    primary: z.boolean(),
    labels: z.array(z.string()),
    definition: z.string(),
    label_definitions: z.record(z.string(), z.string()),
    /** whether the loaded model has a head for this task */
    in_model: z.boolean(),
  })
  .openapi("Task");

export const LabelsResponseSchema = z
  .object({
    codebook_version: z.string(),
    model: ModelRefSchema,
    tasks: z.array(TaskSchema),
  })
  .openapi("LabelsResponse");

export const HealthResponseSchema = z
  .object({
    status: z.literal("ok"),
    /** the API contract's version (package.json; CHANGELOG.md) */
    api_version: z.string(),
    model: z.object({ name: z.string(), version: z.string(), variant: z.string() }),
    /** ORT session state in this isolate: created lazily by the first prediction that misses the cache */
    session: z.enum(["not_loaded", "loading", "ready", "failed"]),
    codebook_version: z.string(),
    normalisation_version: z.number().int(),
    runtime: z.object({
      /** size of ORT's WebAssembly linear memory in this isolate (null before the session exists) */
      wasm_memory_bytes: z.number().int().nullable(),
      /** milliseconds the session took to create (WASM instantiate + InferenceSession.create) */
      session_init_ms: z.number().nullable(),
    }),
  })
  .openapi("HealthResponse");

/** GET /metrics?format=json: this isolate's counters (observability.ts). */
export const MetricsJsonSchema = z
  .object({
    scope: z.literal("isolate"),
    since: z.string(),
    uptime_seconds: z.number(),
    model: z.object({ name: z.string(), version: z.string() }),
    requests: z.array(z.object({ route: z.string(), status: z.number().int(), count: z.number().int() })),
    errors: z.record(z.string(), z.number().int()),
    cache: z.object({ hits: z.number().int(), misses: z.number().int(), hit_rate: z.number().nullable() }),
    model_runs: z.number().int(),
    posts: z.number().int(),
    predictions: z.record(z.string(), z.record(z.string(), z.number().int())),
  })
  .openapi("Metrics");

export const IssueSchema = z
  .object({
    path: z.array(z.union([z.string(), z.number()])),
    code: z.string(),
    message: z.string(),
  })
  .openapi("Issue", { example: { path: ["posts", 0, "text"], code: "custom", message: "text is empty or only whitespace; send the post's body" } });

export const ErrorResponseSchema = z
  .object({
    error: z.object({
      /** machine-readable: one of ERROR_STATUS's codes (errors.ts) */
      code: z.string(),
      /** what was wrong and how to fix it */
      message: z.string(),
      issues: z.array(IssueSchema).optional(),
      request_id: z.string(),
    }),
  })
  .openapi("Error", {
    example: {
      error: {
        code: "invalid_request",
        message: "posts: posts is empty; send at least one post",
        issues: [{ path: ["posts"], code: "too_small", message: "posts is empty; send at least one post" }],
        request_id: "5f0c6d1e-8a2b-4c1e-9a57-2f1d3b7c9e10",
      },
    },
  });

export type SingleLabel = z.infer<typeof SingleLabelSchema>;
export type MultiLabel = z.infer<typeof MultiLabelSchema>;
export type HeadResult = z.infer<typeof HeadResultSchema>;
export type EvidenceSpan = z.infer<typeof EvidenceSpanSchema>;
export type Evidence = z.infer<typeof EvidenceSchema>;
/** The engine's Evidence and the API's are one shape: this stops compiling if they drift apart. */
const evidenceIsTheEngines: [Evidence, EngineEvidence] extends [EngineEvidence, Evidence] ? true : never = true;
void evidenceIsTheEngines;
export type Review = z.infer<typeof ReviewSchema>;
export type Resources = z.infer<typeof ResourcesSchema>;
export type PredictResult = z.infer<typeof PredictResultSchema>;
export type PredictResponse = z.infer<typeof PredictResponseSchema>;
export type LabelsResponse = z.infer<typeof LabelsResponseSchema>;
export type HealthResponse = z.infer<typeof HealthResponseSchema>;
export type MetricsSnapshot = z.infer<typeof MetricsJsonSchema>;
export type Issue = z.infer<typeof IssueSchema>;
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

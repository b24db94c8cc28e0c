// The single source of truth for what the API accepts and returns: routes validate with these schemas,
// response types are inferred from them, and the tests parse responses with them.
import { z } from "zod";
import type { Config } from "./env";

export const NOTICE =
  "Decision support for trained humans, not a diagnosis. Predictions can be wrong; a person must review every result before acting on it.";

// ---------------------------------------------------------------- requests

/** Loose BCP 47 shape: en, en-GB, pt-BR, zh-Hant-TW. */
const LOCALE_RE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;

export function predictRequestSchema(limits: Pick<Config, "maxPosts" | "maxCharsPerPost" | "maxTotalChars">) {
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
        .refine((t) => t.trim().length > 0, { error: "text is empty or only whitespace; send the post's body" }),
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
          }),
        locale: z
          .string()
          .regex(LOCALE_RE, { error: "locale must be a BCP 47 tag such as \"en\" or \"en-GB\"" })
          .optional(),
      },
      {
        error: (iss) =>
          iss.code === "unrecognized_keys"
            ? `unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(", ")}; the body has "posts" and optionally "locale"`
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
    });
}

export type PredictRequest = z.infer<ReturnType<typeof predictRequestSchema>>;

// ---------------------------------------------------------------- responses

export const ProbsSchema = z.record(z.string(), z.number().min(0).max(1));
export const SingleLabelSchema = z.object({ label: z.string(), probs: ProbsSchema });
export const MultiLabelSchema = z.object({ labels: z.array(z.string()), probs: ProbsSchema });
export const HeadResultSchema = z.union([SingleLabelSchema, MultiLabelSchema]);

export const ModelRefSchema = z.object({ name: z.string(), version: z.string() });

export const PredictResultSchema = z.object({
  id: z.string(),
  help_seeking: SingleLabelSchema,
  condition: SingleLabelSchema,
  causes: MultiLabelSchema,
  /** every auxiliary head of the model, keyed by task */
  aux: z.record(z.string(), HeadResultSchema),
  /** model windows the post was split into (long posts are never silently truncated) */
  windows: z.number().int().min(1),
  cached: z.boolean(),
});

export const PredictResponseSchema = z.object({
  model: ModelRefSchema,
  notice: z.string(),
  results: z.array(PredictResultSchema),
  warnings: z.array(z.string()).optional(),
});

export const TaskSchema = z.object({
  key: z.string(),
  kind: z.enum(["single_label", "multi_label"]),
  primary: z.boolean(),
  labels: z.array(z.string()),
  definition: z.string(),
  label_definitions: z.record(z.string(), z.string()),
  /** whether the loaded model has a head for this task */
  in_model: z.boolean(),
});

export const LabelsResponseSchema = z.object({
  codebook_version: z.string(),
  model: ModelRefSchema,
  tasks: z.array(TaskSchema),
});

export const HealthResponseSchema = z.object({
  status: z.literal("ok"),
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
});

export const IssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  code: z.string(),
  message: z.string(),
});

export const ErrorResponseSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(IssueSchema).optional(),
    request_id: z.string(),
  }),
});

export type SingleLabel = z.infer<typeof SingleLabelSchema>;
export type MultiLabel = z.infer<typeof MultiLabelSchema>;
export type HeadResult = z.infer<typeof HeadResultSchema>;
export type PredictResult = z.infer<typeof PredictResultSchema>;
export type PredictResponse = z.infer<typeof PredictResponseSchema>;
export type LabelsResponse = z.infer<typeof LabelsResponseSchema>;
export type HealthResponse = z.infer<typeof HealthResponseSchema>;
export type Issue = z.infer<typeof IssueSchema>;
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

// What the batch-job API accepts and returns (POST/GET/DELETE /v1/jobs, /v1/uploads): the routes validate with
// these schemas, the typed client and the CLI use their types, and /openapi.json is generated from them.
import { z } from "@hono/zod-openapi";
import { PROFILES } from "../../engine/metadata";
import { CACHE_MODES } from "../cache-mode";
import { LOCALE_RE, ModelRefSchema, NOTICE, PredictResultSchema } from "../schemas";

/** Job ids: "job_" + 32 hex (128 random bits). */
export const JOB_ID_RE = /^job_[0-9a-f]{32}$/;
/** The job statuses, in the order a job moves through them (cancelled can follow queued or running). */
export const JOB_STATUSES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];
/** Statuses after which nothing about the job changes any more. */
export const FINISHED_STATUSES: ReadonlySet<JobStatusName> = new Set(["done", "failed", "cancelled"]);
/** At most this many errors are listed in a job's status (counts stay exact; every skipped line has an error line in the results). */
export const MAX_LISTED_ERRORS = 1_000;

/** The options of a job, as query parameters of POST /v1/jobs or fields of its JSON body. */
export const JobOptionsSchema = z.object({
  locale: z
    .string()
    .regex(LOCALE_RE, { error: 'locale must be a BCP 47 tag such as "en" or "en-GB"' })
    .optional()
    .openapi({ description: "BCP 47 tag of the posts' language/region; picks the crisis resources of each result", example: "en-GB" }),
  profile: z
    .enum(PROFILES, { error: `profile must be one of ${PROFILES.map((p) => `"${p}"`).join(", ")}` })
    .optional()
    .openapi({ description: "the operating point that decides `help_seeking.label` (as in POST /v1/predict); the model's default when absent" }),
  cache: z
    .enum(CACHE_MODES, { error: `cache must be one of ${CACHE_MODES.map((m) => `"${m}"`).join(", ")}` })
    .optional()
    .openapi({
      description:
        "how the job uses the prediction cache (KV): `read_write` (the default, as /v1/predict), `read` (reuse cached predictions, write no new ones: " +
        "for a one-off dump, whose cache writes would be most of its cost; README, Batch jobs) or `off`",
    }),
  // a pattern rather than z.url(): the document then says exactly what is accepted (scheme, host, port, path)
  callback_url: z
    .string()
    .max(2_048, { error: "callback_url must be at most 2048 characters" })
    .regex(/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[!-~]*)?$/, { error: "callback_url must be an http(s) URL with a host name, e.g. https://example.org/mhelp-done" })
    .optional()
    .openapi({ description: "called once with POST and the job's status (JSON) when the job finishes; never with post text" }),
});
export type JobOptions = z.infer<typeof JobOptionsSchema>;

/** The longest R2 object key, in bytes. */
export const R2_MAX_KEY_BYTES = 1_024;

/** JSON body of POST /v1/jobs: an input already in the job bucket (uploaded with /v1/uploads or by the operator).
 * `bucket`: the deployment's job bucket (JOBS_BUCKET_NAME), the only bucket an input may name. */
export function jobByReferenceSchema(bucket: string) {
  const prefix = `r2://${bucket}/`;
  return z
    .strictObject(
      {
        ...JobOptionsSchema.shape,
        input: z
          .string({ error: `input must be a string "${prefix}<key>" naming a JSONL object in the job bucket` })
          // R2 keys are at most 1024 bytes
          .max(prefix.length + R2_MAX_KEY_BYTES, { error: `input must be at most ${prefix.length + R2_MAX_KEY_BYTES} characters (R2 keys are at most ${R2_MAX_KEY_BYTES} bytes)` })
          .regex(new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\S+$`), {
            error: `input must look like "${prefix}<key>", e.g. the \`input\` that POST /v1/uploads/{upload_id}/complete returned`,
          })
          .openapi({ description: `a JSONL object in the job bucket: \`${prefix}<key>\``, example: `${prefix}uploads/3f9a1c2b7d4e/upl_0123abcd.jsonl` }),
      },
      {
        error: (iss) =>
          iss.code === "unrecognized_keys"
            ? `unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(", ")}; the body has "input" and optionally "locale", "profile" and "callback_url"`
            : `the body must be a JSON object like {"input": "${prefix}<key>"}`,
      },
    )
    .openapi("JobByReference");
}
export type JobByReference = z.infer<ReturnType<typeof jobByReferenceSchema>>;

export const JobIdParamSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, description: "the job id from POST /v1/jobs", example: "job_0f1e2d3c4b5a69788796a5b4c3d2e1f0" }),
});

export const JobCreatedSchema = z
  .object({
    id: z.string(),
    status: z.enum(JOB_STATUSES),
    status_url: z.string(),
    results_url: z.string(),
  })
  .openapi("JobCreated", {
    example: { id: "job_0f1e2d3c4b5a69788796a5b4c3d2e1f0", status: "queued", status_url: "/v1/jobs/job_0f1e2d3c4b5a69788796a5b4c3d2e1f0", results_url: "/v1/jobs/job_0f1e2d3c4b5a69788796a5b4c3d2e1f0/results" },
  });
export type JobCreated = z.infer<typeof JobCreatedSchema>;

export const JobErrorSchema = z
  .object({
    /** the input line (1-based, blank lines counted) */
    line: z.number().int().min(1),
    /** for a failed chunk: the last line of its range */
    last_line: z.number().int().min(1).optional(),
    reason: z.string(),
  })
  .openapi("JobError", { description: "a skipped input line, or a range of lines that could not be scored", example: { line: 42, reason: "not valid JSON" } });

export const JobStatusSchema = z
  .object({
    id: z.string(),
    status: z.enum(JOB_STATUSES),
    /** non-blank input lines; null until the input has been read */
    total: z.number().int().min(0).nullable(),
    /** lines scored so far */
    done: z.number().int().min(0),
    /** lines not scored: invalid lines (the client's to fix) and lines of chunks that failed every retry */
    skipped: z.number().int().min(0),
    errors: z.array(JobErrorSchema),
    /** true when `errors` lists only the first MAX_LISTED_ERRORS; the results hold an error line for every skipped line */
    errors_truncated: z.boolean(),
    chunks: z.object({ total: z.number().int().min(0).nullable(), done: z.number().int().min(0), failed: z.number().int().min(0) }),
    created: z.string(),
    finished: z.string().nullable(),
    /** when the job's input, results and status are deleted (JOB_RETENTION_DAYS after creation) */
    expires: z.string(),
    model: ModelRefSchema,
    options: z.object({ locale: z.string().optional(), profile: z.enum(PROFILES).optional(), cache: z.enum(CACHE_MODES).optional(), callback: z.boolean() }),
    /** true only in the answer to DELETE /v1/jobs/{id}: the job, its input and its results are gone (404 from then on) */
    deleted: z.boolean(),
    /** why a `failed` job could not be scored as a whole (its input is missing or over the limits) */
    failure: z.string().optional(),
    warnings: z.array(z.string()).optional(),
    notice: z.string(),
  })
  .openapi("JobStatus", {
    description:
      "`done` + `skipped` = `total` once the job is `done` or `failed`; `failed` means some chunk could not be scored after every retry (its lines are in `errors` as a range and have error lines in the results)",
  });
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** One line of GET /v1/jobs/{id}/results: the input line number and either the /v1/predict result or why the line was skipped. */
export const JobResultLineSchema = z.union([
  PredictResultSchema.extend({ line: z.number().int().min(1) }),
  z.object({
    line: z.number().int().min(1),
    id: z.string().optional(),
    error: z.object({ code: z.enum(["invalid_line", "chunk_failed"]), message: z.string() }),
  }),
]);
export type JobResultLine = z.infer<typeof JobResultLineSchema>;

// ---------------------------------------------------------------- uploads (multipart, for inputs beyond MAX_JOB_BODY_BYTES)

export const UploadCreatedSchema = z
  .object({
    upload_id: z.string(),
    /** pass this as `input` to POST /v1/jobs once the upload is complete */
    input: z.string(),
    /** every part but the last must be at least this many bytes (R2's multipart minimum) */
    min_part_bytes: z.number().int(),
    max_part_bytes: z.number().int(),
    max_parts: z.number().int(),
  })
  .openapi("UploadCreated");
export type UploadCreated = z.infer<typeof UploadCreatedSchema>;

export const UploadIdParamSchema = z.object({
  // any string: one that POST /v1/uploads did not return is answered 404 like an unknown upload
  upload_id: z.string().openapi({ param: { name: "upload_id", in: "path" }, description: "from POST /v1/uploads" }),
});
export const UploadPartParamSchema = UploadIdParamSchema.extend({
  part: z.coerce
    .number({ error: "part must be a number from 1 to 10000" })
    .int({ error: "part must be a whole number from 1 to 10000" })
    .min(1, { error: "part numbers start at 1" })
    .max(10_000, { error: "an upload has at most 10000 parts" })
    // coerce hides the bounds from the generated document: they are stated here as well
    .openapi({ param: { name: "part", in: "path" }, type: "integer", minimum: 1, maximum: 10_000, description: "1-based part number" }),
});

export const UploadPartSchema = z.object({ part: z.number().int(), etag: z.string() }).openapi("UploadPart");
export type UploadPart = z.infer<typeof UploadPartSchema>;

export const UploadCompleteSchema = z
  .strictObject({
    parts: z
      .array(z.strictObject({ part: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) }), { error: 'parts must be an array of {"part", "etag"} as the part uploads returned them' })
      .min(1, { error: "parts is empty; upload at least one part" })
      .max(10_000),
  })
  .openapi("UploadComplete");

export const UploadCompletedSchema = z.object({ input: z.string(), bytes: z.number().int().min(0) }).openapi("UploadCompleted");
export type UploadCompleted = z.infer<typeof UploadCompletedSchema>;

export { NOTICE };

// Batch jobs: POST /v1/jobs, GET /v1/jobs/{id}, GET /v1/jobs/{id}/results, DELETE /v1/jobs/{id}.
//
// A job is a JSONL input ({"id","text"} per line) in R2, scored in chunks by the queue consumer
// (src/worker/jobs/job-queue.ts) while its JobTracker Durable Object counts progress. The input comes as the
// request body (Content-Type: application/x-ndjson, up to MAX_JOB_BODY_BYTES; options as query parameters)
// or by reference to an object in the job bucket (Content-Type: application/json, {"input": "r2://…"}; large
// files get there through POST /v1/uploads). Jobs belong to the API key that created them: another key gets 404.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Config } from "../config";
import type { AppEnv } from "../env";
import { ApiError, defaultHook, validationError } from "../errors";
import { jobInputKey, newJobId, parseR2Uri, partKey, uploadPrefix, type PlanMessage } from "../jobs/job-layout";
import { tracker } from "../jobs/job-queue";
import type { JobRecord } from "../jobs/job-tracker";
import {
  R2_MAX_KEY_BYTES,
  JOB_ID_RE,
  jobByReferenceSchema,
  JobCreatedSchema,
  JobIdParamSchema,
  JobOptionsSchema,
  JobStatusSchema,
  type JobOptions,
} from "../jobs/job-schemas";
import { MODEL_INFO } from "../model";
import { errorResponses, REQUEST_ID_HEADER, SECURITY } from "../openapi";
import { localeWarnings } from "../predict-service";
import { JSON_CONTENT_TYPE_RE, readBodyWithin } from "../request-body";

const NDJSON_RE = /^application\/(x-ndjson|jsonl|x-jsonlines|jsonlines)\s*(;|$)/i;
/** A character besides JSON's whitespace (space, tab, LF, CR): what a JSONL body must hold (hasContent). */
const JSON_NON_BLANK_RE = /[^ \t\n\r]/;

/** A JSON body names an input and options: it is small. */
const MAX_REFERENCE_BODY_BYTES = 16_384;
const EXAMPLE_LINE = '{"id": "1", "text": "I have not slept for weeks and I do not know who to talk to"}';

export function createJobRoute(config: Config) {
  return createRoute({
    method: "post",
    path: "/",
    tags: ["jobs"],
    summary: "Start a batch job over a JSONL input",
    description:
      "Send the posts as the body, one `{\"id\", \"text\"}` JSON object per line (`Content-Type: application/x-ndjson`, at most " +
      `${config.maxJobBodyBytes} bytes; options as query parameters), or name a JSONL object already in the job bucket ` +
      "(`Content-Type: application/json`, `{\"input\": \"r2://…\"}`; files beyond the body limit get there with POST /v1/uploads). " +
      `At most ${config.maxJobLines} lines per job. Answers 202 at once: poll \`status_url\`, then read \`results_url\`. ` +
      `Inputs, results and status are deleted ${config.jobRetentionDays} days after creation, or at once with DELETE.`,
    security: SECURITY,
    request: {
      query: JobOptionsSchema,
      body: {
        required: true,
        content: {
          "application/x-ndjson": {
            schema: z
              .string()
              .min(1)
              .regex(JSON_NON_BLANK_RE)
              .openapi({ description: "JSONL: one post per line (not empty, not only spaces, tabs and newlines)", example: `${EXAMPLE_LINE}\n` }),
          },
          "application/json": { schema: jobByReferenceSchema(config.jobsBucketName) },
        },
      },
    },
    responses: {
      202: {
        description: "the job is queued",
        headers: { ...REQUEST_ID_HEADER, Location: { description: "the job's status URL", schema: { type: "string" as const } } },
        content: { "application/json": { schema: JobCreatedSchema } },
      },
      ...errorResponses(400, 401, 403, 404, 413, 415, 429),
    },
  });
}

const jobStatusRoute = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["jobs"],
  summary: "A job's status and progress",
  security: SECURITY,
  request: { params: JobIdParamSchema },
  responses: {
    200: { description: "the job", headers: REQUEST_ID_HEADER, content: { "application/json": { schema: JobStatusSchema } } },
    ...errorResponses(401, 403, 404, 429),
  },
});

const jobResultsRoute = createRoute({
  method: "get",
  path: "/{id}/results",
  tags: ["jobs"],
  summary: "A finished job's results as JSONL",
  description:
    "One line per non-blank input line, in input order: the `/v1/predict` result object plus `line` (the input line number), or " +
    "`{\"line\", \"id\"?, \"error\": {\"code\", \"message\"}}` for a line that was skipped (`invalid_line`) or could not be scored (`chunk_failed`). " +
    "Available once the job is `done` or `failed` (409 before); complete exactly when the status is `done`.",
  security: SECURITY,
  request: { params: JobIdParamSchema },
  responses: {
    200: { description: "JSONL results", headers: REQUEST_ID_HEADER, content: { "application/x-ndjson": { schema: z.string() } } },
    ...errorResponses(401, 403, 404, 409, 429),
  },
});

const cancelJobRoute = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["jobs"],
  summary: "Cancel a job and delete its input and results",
  description:
    "A queued or running job is cancelled; whatever its status, the job, its input (when the job owns it: the JSONL body or an upload) and its results are deleted. " +
    "The answer is the job's last status (`deleted: true`); from then on the job is 404.",
  security: SECURITY,
  request: { params: JobIdParamSchema },
  responses: {
    200: { description: "the job after cancelling", headers: REQUEST_ID_HEADER, content: { "application/json": { schema: JobStatusSchema } } },
    ...errorResponses(401, 403, 404, 429),
  },
});

/** The caller's own job, or 404 (an unknown id and another key's job answer the same). */
async function ownJob(c: Context<AppEnv>, id: string) {
  const notFound = () => new ApiError("not_found", `no job "${id.slice(0, 80)}" for this API key; use the id POST /v1/jobs returned (jobs expire after ${c.get("config").jobRetentionDays} days)`);
  if (!JOB_ID_RE.test(id)) throw notFound();
  const job = await tracker(c.env, id).read();
  if (!job || job.owner !== (c.get("client") ?? "anonymous")) throw notFound();
  return job;
}

function jobUrls(id: string) {
  return { status_url: `/v1/jobs/${id}`, results_url: `/v1/jobs/${id}/results` };
}

/** The body of POST /v1/jobs → where the input is and the job's options. */
async function readJobInput(c: Context<AppEnv>, config: Config, id: string, query: JobOptions): Promise<{ input: JobRecord["input"]; options: JobOptions }> {
  const type = c.req.header("content-type")?.trim() ?? "";
  if (NDJSON_RE.test(type)) {
    const bytes = await readBodyWithin(c, config.maxJobBodyBytes, () => tooLarge(config));
    if (!hasContent(new Uint8Array(bytes))) {
      throw new ApiError("empty_body", `the body holds no lines; send one JSON object per line, e.g. ${EXAMPLE_LINE}`);
    }
    const key = jobInputKey(id);
    await c.env.JOBS_BUCKET.put(key, bytes, { httpMetadata: { contentType: "application/x-ndjson" } });
    return { input: { key, delete: true }, options: query };
  }
  if (JSON_CONTENT_TYPE_RE.test(type)) {
    const tooBig = () => new ApiError("payload_too_large", `a JSON body of POST /v1/jobs names an input and options: at most ${MAX_REFERENCE_BODY_BYTES} bytes; send posts themselves as application/x-ndjson`);
    const raw = new TextDecoder().decode(await readBodyWithin(c, MAX_REFERENCE_BODY_BYTES, tooBig));
    if (raw.trim() === "") throw new ApiError("empty_body", 'the request body is empty; send {"input": "r2://<bucket>/<key>"} or the JSONL itself with Content-Type: application/x-ndjson');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new ApiError("malformed_json", 'the body is not valid JSON; send {"input": "r2://<bucket>/<key>"}, or the JSONL itself with Content-Type: application/x-ndjson');
    }
    const parsed = jobByReferenceSchema(config.jobsBucketName).safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    const { input, ...options } = parsed.data;
    return { input: await referencedInput(c, config, input), options: { ...query, ...options } };
  }
  throw new ApiError(
    "unsupported_media_type",
    `${type ? `Content-Type is "${type.split(";")[0]!.trim().slice(0, 100)}"` : "the request has no Content-Type"}; send the JSONL with Content-Type: application/x-ndjson, or {"input": "r2://…"} with Content-Type: application/json`,
  );
}

function tooLarge(config: Config): ApiError {
  return new ApiError(
    "payload_too_large",
    `the body is larger than ${config.maxJobBodyBytes} bytes (MAX_JOB_BODY_BYTES); upload the file in parts with POST /v1/uploads and start the job with {"input": "r2://…"} (\`mhelp jobs submit\` does this for you)`,
  );
}

/** An input by reference: in the job bucket, not a job's own object, not another key's upload, and present. */
async function referencedInput(c: Context<AppEnv>, config: Config, uri: string): Promise<JobRecord["input"]> {
  const ref = parseR2Uri(uri);
  const client = c.get("client") ?? "anonymous";
  // 404 like an unknown job: a key cannot tell another key's upload from a missing object
  const missing = () =>
    new ApiError("not_found", `there is no object "${uri.slice(0, 200)}" this API key may use; upload the input with POST /v1/uploads and pass the \`input\` it returns`);
  if (!ref) throw missing();
  if (ref.bucket !== config.jobsBucketName) throw new ApiError("invalid_request", `input must be in the job bucket: r2://${config.jobsBucketName}/<key> (got bucket "${ref.bucket.slice(0, 64)}")`);
  if (ref.key.startsWith("jobs/") || new TextEncoder().encode(ref.key).length > R2_MAX_KEY_BYTES) throw missing();
  const ownUpload = ref.key.startsWith(uploadPrefix(client));
  if (ref.key.startsWith("uploads/") && !ownUpload) throw missing();
  const head = await c.env.JOBS_BUCKET.head(ref.key);
  if (!head) throw missing();
  if (head.size === 0) throw new ApiError("empty_body", `the input "${uri.slice(0, 200)}" is empty; it must hold one JSON object per line`);
  // an upload is the client's own copy (deleted with the job); an operator's object is left alone
  return { key: ref.key, delete: ownUpload };
}

/** True when the bytes hold something besides JSON whitespace (stops at the first such byte). */
function hasContent(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return true;
  return false;
}

export function jobsRoutes(config: Config) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook });
  const createRouteDef = createJobRoute(config);
  // The body is read by hand (two media types, one of them not JSON): the route is registered for the
  // document, the query is validated with its schema, the JSON body with jobByReferenceSchema.
  app.openAPIRegistry.registerPath(createRouteDef);
  app.post("/", async (c) => {
    const query = JobOptionsSchema.safeParse(c.req.query());
    if (!query.success) throw validationError(query.error, "query");
    const id = newJobId();
    const { input, options } = await readJobInput(c, config, id, query.data);
    const created = new Date();
    const warnings = localeWarnings(options.locale);
    const record: JobRecord = {
      id,
      owner: c.get("client") ?? "anonymous",
      created: created.toISOString(),
      expires: new Date(created.getTime() + config.jobRetentionDays * 86_400_000).toISOString(),
      input,
      options,
      model: { ...MODEL_INFO },
      ...(warnings.length ? { warnings } : {}),
    };
    await tracker(c.env, id).create(record);
    const plan: PlanMessage = { kind: "plan", job: id };
    await c.env.JOB_QUEUE.send(plan, { contentType: "json" });
    const urls = jobUrls(id);
    c.header("Location", urls.status_url);
    c.header("Cache-Control", "no-store");
    return c.json({ id, status: "queued" as const, ...urls }, 202);
  });

  app.openapi(jobStatusRoute, async (c) => {
    const job = await ownJob(c, c.req.valid("param").id);
    c.header("Cache-Control", "no-store");
    return c.json(job.status, 200);
  });

  app.openapi(jobResultsRoute, async (c) => {
    const id = c.req.valid("param").id;
    const job = await ownJob(c, id);
    const { status } = job;
    if (status.status !== "done" && status.status !== "failed") {
      throw new ApiError("job_not_finished", `job ${id} is ${status.status} (${status.done + status.skipped} of ${status.total ?? "?"} lines); poll GET /v1/jobs/${id} until it is done`, {
        headers: { "Retry-After": "10" },
      });
    }
    const bucket = c.env.JOBS_BUCKET;
    const parts = status.chunks.total ?? 0;
    // parts in chunk order, one R2 read at a time: memory stays at one part whatever the job's size
    let next = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        while (next < parts) {
          const object = await bucket.get(partKey(id, next++));
          if (object) {
            controller.enqueue(new Uint8Array(await object.arrayBuffer()));
            return;
          }
        }
        controller.close();
      },
    });
    return c.body(stream, 200, { "Content-Type": "application/x-ndjson; charset=utf-8", "Cache-Control": "no-store" }) as never;
  });

  app.openapi(cancelJobRoute, async (c) => {
    const id = c.req.valid("param").id;
    await ownJob(c, id);
    const status = await tracker(c.env, id).cancel();
    if (!status) throw new ApiError("not_found", `no job "${id}"`);
    c.header("Cache-Control", "no-store");
    return c.json(status, 200);
  });

  return app;
}

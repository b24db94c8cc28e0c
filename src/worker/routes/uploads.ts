// Multipart uploads of job inputs beyond MAX_JOB_BODY_BYTES, into the job bucket through R2's multipart API
// (no R2 credentials leave the Worker):
//
//   POST   /v1/uploads                          → 201 {upload_id, input, min_part_bytes, max_part_bytes, max_parts}
//   PUT    /v1/uploads/{upload_id}/parts/{n}    body: the n-th slice of the file → {part, etag}
//   POST   /v1/uploads/{upload_id}/complete     {"parts": [{part, etag}, …]} → {input, bytes}
//   DELETE /v1/uploads/{upload_id}              aborts it
//
// then POST /v1/jobs {"input": <input>}. Every part but the last must be at least 5 MiB (R2's rule). The object
// lands under uploads/<client>/ (job-layout.ts), so only the uploading key can start a job from it; the job
// deletes it with its own objects, and the retention sweep deletes uploads nobody used.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Config } from "../config";
import type { AppEnv } from "../env";
import { ApiError, defaultHook } from "../errors";
import { newUploadName, r2Uri, uploadPrefix } from "../jobs/job-layout";
import {
  UploadCompletedSchema,
  UploadCompleteSchema,
  UploadCreatedSchema,
  UploadIdParamSchema,
  UploadPartParamSchema,
  UploadPartSchema,
} from "../jobs/job-schemas";
import { errorResponses, REQUEST_ID_HEADER, SECURITY } from "../openapi";
import { readBodyWithin } from "../request-body";

/** R2's multipart limits: parts but the last ≥ 5 MiB, at most 10 000 parts. */
export const MIN_PART_BYTES = 5 * 1_048_576;
export const MAX_PARTS = 10_000;

/** upload_id = base64url of {"k": key, "u": R2's upload id}: nothing to store, and the key says whose it is. */
function encodeUploadId(key: string, uploadId: string): string {
  return btoa(JSON.stringify({ k: key, u: uploadId })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeUploadId(c: Context<AppEnv>, token: string): { key: string; uploadId: string } {
  const notFound = new ApiError("not_found", "no such upload for this API key; start one with POST /v1/uploads and use the upload_id it returns");
  let value: { k?: unknown; u?: unknown };
  try {
    value = JSON.parse(atob(token.replace(/-/g, "+").replace(/_/g, "/"))) as { k?: unknown; u?: unknown };
  } catch {
    throw notFound;
  }
  if (typeof value?.k !== "string" || typeof value.u !== "string" || !value.k.startsWith(uploadPrefix(c.get("client") ?? "anonymous"))) throw notFound;
  return { key: value.k, uploadId: value.u };
}

const createUploadRoute = createRoute({
  method: "post",
  path: "/",
  tags: ["jobs"],
  summary: "Start a multipart upload of a job input",
  security: SECURITY,
  responses: {
    201: { description: "the upload is open", headers: REQUEST_ID_HEADER, content: { "application/json": { schema: UploadCreatedSchema } } },
    ...errorResponses(401, 403, 429),
  },
});

function uploadPartRoute(config: Config) {
  return createRoute({
    method: "put",
    path: "/{upload_id}/parts/{part}",
    tags: ["jobs"],
    summary: "Upload one part (a byte slice of the JSONL file, in order)",
    description: `Each part but the last must be at least ${MIN_PART_BYTES} bytes and at most ${config.maxJobBodyBytes}; parts may split a line anywhere.`,
    security: SECURITY,
    request: {
      params: UploadPartParamSchema,
      body: { required: true, content: { "application/octet-stream": { schema: z.string().min(1).openapi({ format: "binary" }) } } },
    },
    responses: {
      200: { description: "the part is stored", headers: REQUEST_ID_HEADER, content: { "application/json": { schema: UploadPartSchema } } },
      ...errorResponses(400, 401, 403, 404, 409, 413, 429),
    },
  });
}

const completeUploadRoute = createRoute({
  method: "post",
  path: "/{upload_id}/complete",
  tags: ["jobs"],
  summary: "Finish an upload; its `input` can then start a job",
  security: SECURITY,
  request: { params: UploadIdParamSchema, body: { required: true, content: { "application/json": { schema: UploadCompleteSchema } } } },
  responses: {
    200: { description: "the object is in the job bucket", headers: REQUEST_ID_HEADER, content: { "application/json": { schema: UploadCompletedSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 415, 429),
  },
});

const abortUploadRoute = createRoute({
  method: "delete",
  path: "/{upload_id}",
  tags: ["jobs"],
  summary: "Abort an upload and discard its parts",
  security: SECURITY,
  request: { params: UploadIdParamSchema },
  responses: {
    204: { description: "aborted" },
    ...errorResponses(401, 403, 404, 429),
  },
});

/** R2 rejects an unknown or finished upload id (→ 404) or parts that do not match the upload (→ 409). */
function r2Rejected(err: unknown, what: string): ApiError {
  const message = String((err as Error)?.message ?? err);
  if (/(not ?found|no such|does not exist|aborted|completed)/i.test(message)) {
    return new ApiError("not_found", `no open upload with this upload_id (completed, aborted or expired); start a new one with POST /v1/uploads`);
  }
  return new ApiError(
    "upload_conflict",
    `${what} was refused by the bucket (${message.slice(0, 160)}); send the {part, etag} pairs the part uploads returned, and make every part but the last at least ${MIN_PART_BYTES} bytes`,
  );
}

export function uploadsRoutes(config: Config) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook });

  app.openapi(createUploadRoute, async (c) => {
    const key = `${uploadPrefix(c.get("client") ?? "anonymous")}${newUploadName()}.jsonl`;
    const upload = await c.env.JOBS_BUCKET.createMultipartUpload(key, { httpMetadata: { contentType: "application/x-ndjson" } });
    c.header("Cache-Control", "no-store");
    return c.json(
      { upload_id: encodeUploadId(key, upload.uploadId), input: r2Uri(config.jobsBucketName, key), min_part_bytes: MIN_PART_BYTES, max_part_bytes: config.maxJobBodyBytes, max_parts: MAX_PARTS },
      201,
    );
  });

  app.openapi(uploadPartRoute(config), async (c) => {
    const { upload_id, part } = c.req.valid("param");
    const { key, uploadId } = decodeUploadId(c, upload_id);
    const tooLarge = () => new ApiError("payload_too_large", `a part holds at most ${config.maxJobBodyBytes} bytes (MAX_JOB_BODY_BYTES); cut the file into smaller parts`);
    const bytes = await readBodyWithin(c, config.maxJobBodyBytes, tooLarge);
    if (bytes.byteLength === 0) throw new ApiError("empty_body", "the part is empty; send the next slice of the file as the body");
    try {
      const uploaded = await c.env.JOBS_BUCKET.resumeMultipartUpload(key, uploadId).uploadPart(part, bytes);
      return c.json({ part: uploaded.partNumber, etag: uploaded.etag }, 200);
    } catch (err) {
      throw r2Rejected(err, `part ${part}`);
    }
  });

  app.openapi(completeUploadRoute, async (c) => {
    const { key, uploadId } = decodeUploadId(c, c.req.valid("param").upload_id);
    const { parts } = c.req.valid("json");
    try {
      const object = await c.env.JOBS_BUCKET.resumeMultipartUpload(key, uploadId).complete(parts.map((p) => ({ partNumber: p.part, etag: p.etag })));
      return c.json({ input: r2Uri(config.jobsBucketName, key), bytes: object.size }, 200);
    } catch (err) {
      throw r2Rejected(err, "completing the upload");
    }
  });

  app.openapi(abortUploadRoute, async (c) => {
    const { key, uploadId } = decodeUploadId(c, c.req.valid("param").upload_id);
    try {
      await c.env.JOBS_BUCKET.resumeMultipartUpload(key, uploadId).abort();
    } catch (err) {
      throw r2Rejected(err, "aborting the upload");
    }
    return c.body(null, 204);
  });

  return app;
}

// A small typed client for the mhelp API. Plain fetch, no Node-only APIs: it runs in browsers, React Native,
// Workers, Deno, Bun and Node ≥ 18. Request and response types are inferred from the API's own zod schemas
// (src/worker/schemas.ts, type-only imports: nothing of zod ends up in a client bundle).
//
//   const mhelp = new MhelpClient({ baseUrl: "https://mhelp.example.workers.dev", apiKey: "mhk_…" });
//   const { results, notice } = await mhelp.predict([{ id: "1", text: "…" }], { locale: "en-GB", explain: true });
//
// Errors are thrown as MhelpApiError (status, code, issues, requestId). 429 and 503 are retried, honouring
// Retry-After, at most `maxRetries` times and never waiting longer than `maxRetryDelayMs` per retry.
//
// Batch jobs (POST /v1/jobs, /v1/uploads): submitJob sends a JSONL input inline or, past `maxInlineBytes`, as a
// multipart upload; waitForJob polls until the job finishes; jobResults streams its result lines.
//
//   const job = await mhelp.submitJob(jsonlText, { locale: "en-GB" });
//   const status = await mhelp.waitForJob(job.id, { onProgress: (s) => console.log(s.done, "/", s.total) });
//   for await (const line of mhelp.jobResults(job.id)) if ("error" in line) console.warn(line.line, line.error.message);
import type { JobCreated, JobOptions, JobResultLine, JobStatus, UploadCompleted, UploadCreated, UploadPart } from "../worker/jobs/job-schemas";
import type { ErrorResponse, HealthResponse, Issue, LabelsResponse, PredictRequestInput, PredictResponse } from "../worker/schemas";

export type {
  Evidence,
  EvidenceSpan,
  HealthResponse,
  Issue,
  LabelsResponse,
  PredictRequestInput,
  PredictResponse,
  PredictResult,
  Resources,
  Review,
} from "../worker/schemas";
export type { JobCreated, JobOptions, JobResultLine, JobStatus, JobStatusName, UploadCompleted, UploadCreated, UploadPart } from "../worker/jobs/job-schemas";

export type Post = PredictRequestInput["posts"][number];

/** The subset of `fetch` the client uses; pass your own (tests, React Native polyfills, a Worker binding). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface MhelpClientOptions {
  /** e.g. "https://mhelp.example.workers.dev" or "http://127.0.0.1:8787" */
  baseUrl: string;
  /** sent as `Authorization: Bearer <key>`; may be left out against a dev server (AUTH_REQUIRED=false) */
  apiKey?: string;
  /** defaults to the global fetch */
  fetch?: FetchLike;
  /** retries after 429/503 (default 2) */
  maxRetries?: number;
  /** longest wait before one retry (default 30 000 ms); a longer Retry-After fails at once instead */
  maxRetryDelayMs?: number;
  /** per-attempt timeout (default 60 000 ms; 0 = none) */
  timeoutMs?: number;
}

export interface PredictOptions {
  /** BCP 47 tag; picks crisis resources (else the server uses acceptLanguage) */
  locale?: string;
  /** attach help-seeking evidence spans (extra model passes; fewer posts per request allowed) */
  explain?: boolean;
  /** the operating point that decides help_seeking.label: "high_recall", "balanced" (the server's default) or "high_precision" */
  profile?: PredictRequestInput["profile"];
  /** sent as Accept-Language (e.g. the device's languages) */
  acceptLanguage?: string;
  signal?: AbortSignal;
}

/** A job's input: JSONL text, its bytes, or a Blob (a browser File, Node's fs.openAsBlob). */
export type JobInput = string | Uint8Array | ArrayBuffer | Blob;

export interface SubmitJobOptions {
  /** BCP 47 tag of the posts; picks each result's crisis resources */
  locale?: JobOptions["locale"];
  /** the operating point that decides help_seeking.label (the model's default when absent) */
  profile?: JobOptions["profile"];
  /** called once with POST and the job's status when it finishes */
  callbackUrl?: string;
  /** the prediction cache: "read_write" (the server's default), "read" (reuse, write nothing new: cheaper for a one-off dump) or "off" */
  cache?: JobOptions["cache"];
  /** inputs up to this many bytes are sent as the body of POST /v1/jobs, bigger ones as a multipart upload (default 8 MiB) */
  maxInlineBytes?: number;
  /** bytes per upload part (default 8 MiB; at least 5 MiB, R2's minimum for every part but the last) */
  partBytes?: number;
  /** called after each uploaded part with the bytes sent so far and the input's size */
  onUploadProgress?: (sentBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

export interface WaitForJobOptions {
  /** pause between polls (default 2 000 ms) */
  intervalMs?: number;
  /** called with every status read, finished or not */
  onProgress?: (status: JobStatus) => void;
  signal?: AbortSignal;
  /** give up (MhelpApiError code "timeout") after this long (default: wait as long as it takes) */
  timeoutMs?: number;
}

/** R2's multipart rule: every part but the last must hold at least 5 MiB. */
export const MIN_UPLOAD_PART_BYTES = 5 * 1_048_576;
const DEFAULT_MAX_INLINE_BYTES = 8 * 1_048_576;
const DEFAULT_PART_BYTES = 8 * 1_048_576;
const FINISHED: ReadonlySet<JobStatus["status"]> = new Set(["done", "failed", "cancelled"]);

export class MhelpApiError extends Error {
  /** HTTP status, or 0 when no response arrived (network error, timeout) */
  readonly status: number;
  /** the API's error code (invalid_request, rate_limited, …), "network_error" or "http_error" */
  readonly code: string;
  readonly issues: Issue[];
  readonly requestId: string | undefined;
  /** seconds, from Retry-After, when the server sent one */
  readonly retryAfter: number | undefined;

  constructor(init: { status: number; code: string; message: string; issues?: Issue[]; requestId?: string; retryAfter?: number; cause?: unknown }) {
    super(init.message);
    this.name = "MhelpApiError";
    this.status = init.status;
    this.code = init.code;
    this.issues = init.issues ?? [];
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    if (init.cause !== undefined) (this as { cause?: unknown }).cause = init.cause;
  }
}

const RETRYABLE = new Set([429, 503]);

/** Retry-After as seconds (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits `ms`, or throws MhelpApiError "aborted" as soon as `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  const aborted = () => new MhelpApiError({ status: 0, code: "aborted", message: `${what}: aborted by the caller` });
  if (signal?.aborted) return Promise.reject(aborted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

interface RequestOptions {
  body?: string | Blob;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Every job input as a Blob: its size is the byte size, slices are cheap, and every fetch sends it as a body. */
function toBlob(input: JobInput): Blob {
  if (typeof Blob !== "undefined" && input instanceof Blob) return input;
  // the cast only bridges lib.dom's narrower BlobPart (Uint8Array<ArrayBuffer>) and the Workers types
  return new Blob([input as NonNullable<ConstructorParameters<typeof Blob>[0]>[number]]);
}

/**
 * The non-blank lines of an NDJSON body as they arrive. A line may be split across network chunks (and a
 * UTF-8 character across two chunks): text is decoded in streaming mode and only complete lines are yielded.
 */
export async function* ndjsonLines(response: Response): AsyncGenerator<string> {
  if (!response.body) {
    for (const line of (await response.text()).split("\n")) if (line.trim() !== "") yield line;
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      finished = done;
      pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const lines = pending.split("\n");
      pending = done ? "" : lines.pop()!;
      for (const line of lines) if (line.trim() !== "") yield line;
      if (done) return;
    }
  } finally {
    // a caller that stops early (break, an error) must not leave the download open
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

export class MhelpClient {
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly fetchFn: FetchLike;
  private readonly maxRetries: number;
  private readonly maxRetryDelayMs: number;
  private readonly timeoutMs: number;

  constructor(options: MhelpClientOptions) {
    if (!options || typeof options.baseUrl !== "string" || !/^https?:\/\//i.test(options.baseUrl)) {
      throw new TypeError('MhelpClient needs a baseUrl such as "https://mhelp.example.workers.dev"');
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    const globalFetch = (globalThis as { fetch?: FetchLike }).fetch;
    const chosen = options.fetch ?? (globalFetch ? (globalFetch.bind(globalThis) as FetchLike) : undefined);
    if (!chosen) throw new TypeError("no fetch available: pass one as options.fetch");
    this.fetchFn = chosen;
    this.maxRetries = Math.max(0, Math.floor(options.maxRetries ?? 2));
    this.maxRetryDelayMs = Math.max(0, options.maxRetryDelayMs ?? 30_000);
    this.timeoutMs = Math.max(0, options.timeoutMs ?? 60_000);
  }

  /** POST /v1/predict: one result per post, in order. */
  predict(posts: Post[], options: PredictOptions = {}): Promise<PredictResponse> {
    const body: PredictRequestInput = { posts };
    if (options.locale !== undefined) body.locale = options.locale;
    if (options.explain !== undefined) body.explain = options.explain;
    if (options.profile !== undefined) body.profile = options.profile;
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (options.acceptLanguage) headers["Accept-Language"] = options.acceptLanguage;
    return this.request<PredictResponse>("POST", "/v1/predict", { body: JSON.stringify(body), headers, signal: options.signal });
  }

  /** GET /v1/labels: label vocabularies and definitions. */
  labels(options: { signal?: AbortSignal } = {}): Promise<LabelsResponse> {
    return this.request<LabelsResponse>("GET", "/v1/labels", options);
  }

  /** GET /health: status and model version. */
  health(options: { signal?: AbortSignal } = {}): Promise<HealthResponse> {
    return this.request<HealthResponse>("GET", "/health", options);
  }

  // ---------------------------------------------------------------- batch jobs

  /**
   * Starts a batch job over a JSONL input (one {"id","text"} per line). Up to `maxInlineBytes` it is the body of
   * POST /v1/jobs; bigger inputs go through /v1/uploads in parts of `partBytes` (aborted again if a part fails)
   * and the job starts from the uploaded object.
   */
  async submitJob(input: JobInput, options: SubmitJobOptions = {}): Promise<JobCreated> {
    const blob = toBlob(input);
    const maxInline = options.maxInlineBytes ?? DEFAULT_MAX_INLINE_BYTES;
    if (blob.size <= maxInline) {
      const query = new URLSearchParams();
      if (options.locale !== undefined) query.set("locale", options.locale);
      if (options.profile !== undefined) query.set("profile", options.profile);
      if (options.callbackUrl !== undefined) query.set("callback_url", options.callbackUrl);
      if (options.cache !== undefined) query.set("cache", options.cache);
      const qs = query.toString() ? `?${query}` : "";
      return this.request<JobCreated>("POST", `/v1/jobs${qs}`, { body: blob, headers: { "Content-Type": "application/x-ndjson" }, signal: options.signal });
    }
    const { input: uri } = await this.uploadInParts(blob, options);
    return this.submitJobFromObject(uri, options);
  }

  /** POST /v1/jobs {"input": "r2://…"}: a job over a JSONL object already in the job bucket (an upload's `input`). */
  submitJobFromObject(inputUri: string, options: Omit<SubmitJobOptions, "maxInlineBytes" | "partBytes" | "onUploadProgress"> = {}): Promise<JobCreated> {
    const body: { input: string; locale?: string; profile?: JobOptions["profile"]; callback_url?: string; cache?: JobOptions["cache"] } = { input: inputUri };
    if (options.locale !== undefined) body.locale = options.locale;
    if (options.profile !== undefined) body.profile = options.profile;
    if (options.callbackUrl !== undefined) body.callback_url = options.callbackUrl;
    if (options.cache !== undefined) body.cache = options.cache;
    return this.request<JobCreated>("POST", "/v1/jobs", { body: JSON.stringify(body), headers: { "Content-Type": "application/json" }, signal: options.signal });
  }

  /** POST /v1/uploads: opens a multipart upload (submitJob does the whole flow for you). */
  createUpload(options: { signal?: AbortSignal } = {}): Promise<UploadCreated> {
    return this.request<UploadCreated>("POST", "/v1/uploads", { signal: options.signal });
  }

  /** PUT /v1/uploads/{id}/parts/{n}: the n-th (1-based) slice of the file. */
  uploadPart(uploadId: string, part: number, bytes: JobInput, options: { signal?: AbortSignal } = {}): Promise<UploadPart> {
    return this.request<UploadPart>("PUT", `/v1/uploads/${encodeURIComponent(uploadId)}/parts/${part}`, {
      body: toBlob(bytes),
      headers: { "Content-Type": "application/octet-stream" },
      signal: options.signal,
    });
  }

  /** POST /v1/uploads/{id}/complete with every part's etag, in order → the `input` to start a job with. */
  completeUpload(uploadId: string, parts: UploadPart[], options: { signal?: AbortSignal } = {}): Promise<UploadCompleted> {
    return this.request<UploadCompleted>("POST", `/v1/uploads/${encodeURIComponent(uploadId)}/complete`, {
      body: JSON.stringify({ parts: parts.map(({ part, etag }) => ({ part, etag })) }),
      headers: { "Content-Type": "application/json" },
      signal: options.signal,
    });
  }

  /** DELETE /v1/uploads/{id}: discards an unfinished upload's parts. */
  async abortUpload(uploadId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.requestResponse("DELETE", `/v1/uploads/${encodeURIComponent(uploadId)}`, { signal: options.signal });
  }

  /** GET /v1/jobs/{id}: status and progress. */
  getJob(id: string, options: { signal?: AbortSignal } = {}): Promise<JobStatus> {
    return this.request<JobStatus>("GET", `/v1/jobs/${encodeURIComponent(id)}`, options);
  }

  /** DELETE /v1/jobs/{id}: cancels a queued or running job and deletes its input and results. */
  cancelJob(id: string, options: { signal?: AbortSignal } = {}): Promise<JobStatus> {
    return this.request<JobStatus>("DELETE", `/v1/jobs/${encodeURIComponent(id)}`, options);
  }

  /**
   * Polls GET /v1/jobs/{id} until the job is done, failed or cancelled, and returns that status (a failed or
   * cancelled job is returned, not thrown: its status says what happened and a failed job still has results).
   */
  async waitForJob(id: string, options: WaitForJobOptions = {}): Promise<JobStatus> {
    const intervalMs = Math.max(0, options.intervalMs ?? 2_000);
    const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
    for (;;) {
      const status = await this.getJob(id, { signal: options.signal });
      options.onProgress?.(status);
      if (FINISHED.has(status.status)) return status;
      if (Date.now() + intervalMs > deadline) {
        throw new MhelpApiError({ status: 0, code: "timeout", message: `job ${id} is still ${status.status} after ${options.timeoutMs} ms (${status.done + status.skipped} of ${status.total ?? "?"} lines)` });
      }
      await abortableSleep(intervalMs, options.signal, `waiting for job ${id}`);
    }
  }

  /** GET /v1/jobs/{id}/results as the raw response (application/x-ndjson), e.g. to save it unparsed. */
  jobResultsResponse(id: string, options: { signal?: AbortSignal } = {}): Promise<Response> {
    return this.requestResponse("GET", `/v1/jobs/${encodeURIComponent(id)}/results`, { headers: { Accept: "application/x-ndjson" }, signal: options.signal });
  }

  /**
   * A finished job's result lines, parsed one at a time as they stream in (memory stays at one network chunk
   * whatever the job's size): the /v1/predict result plus `line`, or {line, id?, error} for a skipped line.
   */
  async *jobResults(id: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<JobResultLine> {
    const response = await this.jobResultsResponse(id, options);
    let lineNumber = 0;
    const parse = (text: string): JobResultLine => {
      try {
        return JSON.parse(text) as JobResultLine;
      } catch (err) {
        throw new MhelpApiError({ status: response.status, code: "invalid_response", message: `result line ${lineNumber} of job ${id} is not JSON: ${text.slice(0, 80)}`, cause: err });
      }
    };
    for await (const text of ndjsonLines(response)) {
      lineNumber++;
      yield parse(text);
    }
  }

  /** The multipart flow: open, send slices of `partBytes` in order, complete; aborts the upload on any failure. */
  private async uploadInParts(blob: Blob, options: SubmitJobOptions): Promise<UploadCompleted> {
    const wanted = options.partBytes ?? DEFAULT_PART_BYTES;
    if (!Number.isFinite(wanted) || wanted < MIN_UPLOAD_PART_BYTES) {
      throw new RangeError(`partBytes must be at least ${MIN_UPLOAD_PART_BYTES} (5 MiB, R2's minimum part size); got ${wanted}`);
    }
    const upload = await this.createUpload({ signal: options.signal });
    // the server's own limits win over the option: it rejects parts outside them
    const partBytes = Math.min(Math.max(wanted, upload.min_part_bytes), upload.max_part_bytes);
    const count = Math.ceil(blob.size / partBytes);
    try {
      if (count > upload.max_parts) {
        throw new RangeError(`the input needs ${count} parts of ${partBytes} bytes; an upload has at most ${upload.max_parts}: split it into several jobs`);
      }
      const parts: UploadPart[] = [];
      for (let n = 1; n <= count; n++) {
        const slice = blob.slice((n - 1) * partBytes, Math.min(n * partBytes, blob.size));
        parts.push(await this.uploadPart(upload.upload_id, n, slice, { signal: options.signal }));
        options.onUploadProgress?.(Math.min(n * partBytes, blob.size), blob.size);
      }
      return await this.completeUpload(upload.upload_id, parts, { signal: options.signal });
    } catch (err) {
      // best effort: the retention sweep deletes abandoned uploads anyway
      await this.abortUpload(upload.upload_id).catch(() => undefined);
      throw err;
    }
  }

  // ---------------------------------------------------------------- transport

  private async request<T>(method: string, path: string, init: RequestOptions): Promise<T> {
    const response = await this.requestResponse(method, path, init);
    return (await response.json()) as T;
  }

  /** The first 2xx response, after retrying 429/503; any other status is thrown as MhelpApiError. */
  private async requestResponse(method: string, path: string, init: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json", ...init.headers };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    for (let attempt = 0; ; attempt++) {
      const response = await this.send(method, path, { method, headers, body: init.body }, init.signal);
      if (response.ok) return response;
      const error = await toError(response);
      if (!RETRYABLE.has(response.status) || attempt >= this.maxRetries) throw error;
      const delayMs = error.retryAfter !== undefined ? error.retryAfter * 1000 : Math.min(8_000, 500 * 2 ** attempt);
      if (delayMs > this.maxRetryDelayMs) throw error;
      if (init.signal?.aborted) throw error;
      await sleep(delayMs);
    }
  }

  private async send(method: string, path: string, init: RequestInit, signal?: AbortSignal): Promise<Response> {
    const controller = typeof AbortController === "function" ? new AbortController() : undefined;
    const onAbort = () => controller?.abort();
    signal?.addEventListener("abort", onAbort);
    if (signal?.aborted) controller?.abort();
    const timer = controller && this.timeoutMs > 0 ? setTimeout(() => controller.abort(), this.timeoutMs) : undefined;
    try {
      return await this.fetchFn(`${this.baseUrl}${path}`, { ...init, ...(controller ? { signal: controller.signal } : {}) });
    } catch (err) {
      const aborted = controller?.signal.aborted ?? false;
      throw new MhelpApiError({
        status: 0,
        code: aborted ? (signal?.aborted ? "aborted" : "timeout") : "network_error",
        message: `${method} ${path} failed: ${aborted ? (signal?.aborted ? "aborted by the caller" : `no response within ${this.timeoutMs} ms`) : String((err as Error)?.message ?? err)}`,
        cause: err,
      });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

async function toError(response: Response): Promise<MhelpApiError> {
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  const requestId = response.headers.get("x-request-id") ?? undefined;
  let parsed: Partial<ErrorResponse> | null = null;
  try {
    parsed = (await response.json()) as Partial<ErrorResponse>;
  } catch {
    parsed = null;
  }
  const e = parsed?.error;
  if (e && typeof e.code === "string" && typeof e.message === "string") {
    return new MhelpApiError({ status: response.status, code: e.code, message: e.message, issues: Array.isArray(e.issues) ? e.issues : [], requestId: e.request_id ?? requestId, retryAfter });
  }
  return new MhelpApiError({ status: response.status, code: "http_error", message: `HTTP ${response.status} ${response.statusText}`.trim(), requestId, retryAfter });
}

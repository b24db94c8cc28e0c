// A small typed client for the mhelp API. Plain fetch, no Node-only APIs: it runs in browsers, React Native,
// Workers, Deno, Bun and Node ≥ 18. Request and response types are inferred from the API's own zod schemas
// (src/worker/schemas.ts, type-only imports: nothing of zod ends up in a client bundle).
//
//   const mhelp = new MhelpClient({ baseUrl: "https://mhelp.example.workers.dev", apiKey: "mhk_…" });
//   const { results, notice } = await mhelp.predict([{ id: "1", text: "…" }], { locale: "en-GB", explain: true });
//
// Errors are thrown as MhelpApiError (status, code, issues, requestId). 429 and 503 are retried, honouring
// Retry-After, at most `maxRetries` times and never waiting longer than `maxRetryDelayMs` per retry.
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

  private async request<T>(method: string, path: string, init: { body?: string; headers?: Record<string, string>; signal?: AbortSignal }): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", ...init.headers };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    for (let attempt = 0; ; attempt++) {
      const response = await this.send(method, path, { method, headers, body: init.body }, init.signal);
      if (response.ok) return (await response.json()) as T;
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

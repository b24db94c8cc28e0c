// Observability without post text: one structured JSON log line per request, per-isolate counters served at
// GET /metrics, and (when an ANALYTICS binding exists) one Analytics Engine data point per request.
// Nothing here ever sees post text or post ids: routes report counts through c.set("stats", …).
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv, RequestStats } from "./env";
import { errorFields, log } from "./logger";
import { MODEL_INFO } from "./model";
import type { MetricsSnapshot } from "./schemas";

interface Counters {
  /** ms since the epoch of this isolate's first request; 0 until then. Workers' clock reads the epoch in global
   * scope (it advances only inside a request), so the start cannot be taken when the module loads. */
  since: number;
  requests: Map<string, number>; // `${route} ${status}`
  errors: Map<string, number>; // error code
  cacheHits: number;
  cacheMisses: number;
  modelRuns: number;
  posts: number;
  predictions: Map<string, number>; // `${task}:${label}`
}

function emptyCounters(): Counters {
  return { since: 0, requests: new Map(), errors: new Map(), cacheHits: 0, cacheMisses: 0, modelRuns: 0, posts: 0, predictions: new Map() };
}

let counters = emptyCounters();

/** For tests: start counting from zero. */
export function resetMetrics(): void {
  counters = emptyCounters();
}

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** A bounded route label: the matched route pattern, "preflight" or "unmatched" (never the raw URL). */
export function routeLabel(c: Context<AppEnv>): string {
  if (c.req.method === "OPTIONS" && c.res.status === 204) return "preflight";
  let path = "";
  try {
    path = routePath(c, -1);
  } catch {
    path = "";
  }
  if (!path || path === "*" || path === "/*" || c.get("errorCode") === "not_found") return "unmatched";
  return path;
}

export interface RequestRecord {
  route: string;
  method: string;
  status: number;
  latencyMs: number;
  errorCode?: string;
  client?: string;
  stats?: RequestStats;
}

export function record(r: RequestRecord): void {
  bump(counters.requests, `${r.route} ${r.status}`);
  if (r.errorCode) bump(counters.errors, r.errorCode);
  const s = r.stats;
  if (s) {
    counters.cacheHits += s.cacheHits ?? 0;
    counters.cacheMisses += s.cacheMisses ?? 0;
    counters.modelRuns += s.modelRuns ?? 0;
    counters.posts += s.batchSize ?? 0;
    for (const label of s.labels ?? []) bump(counters.predictions, label);
  }
}

/** Logs, counts and (optionally) writes to Analytics Engine once per request. Register it first. */
export const observe: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  if (counters.since === 0) counters.since = started;
  await next();
  // Date.now() advances only across I/O in Workers, so this is wall time including KV and model runs.
  const latencyMs = Date.now() - started;
  const r: RequestRecord = {
    route: routeLabel(c),
    method: c.req.method,
    status: c.res.status,
    latencyMs,
    errorCode: c.get("errorCode"),
    client: c.get("client"),
    stats: c.get("stats"),
  };
  record(r);
  const s = r.stats;
  log(r.status >= 500 ? "error" : r.status >= 400 ? "warn" : "info", "request", {
    request_id: c.get("requestId"),
    method: r.method,
    route: r.route,
    status: r.status,
    latency_ms: latencyMs,
    model_version: MODEL_INFO.version,
    ...(r.client ? { client: r.client } : {}),
    ...(s?.batchSize !== undefined ? { batch_size: s.batchSize, cache_hits: s.cacheHits ?? 0, cache_misses: s.cacheMisses ?? 0, model_runs: s.modelRuns ?? 0, explain: s.explain ?? false } : {}),
    ...(r.errorCode ? { error_code: r.errorCode } : {}),
  });
  writeDataPoint(c.env.ANALYTICS, r);
};

/** One Analytics Engine point per request when the binding exists; never throws, never blocks. */
export function writeDataPoint(dataset: AnalyticsEngineDataset | undefined, r: RequestRecord): void {
  if (!dataset || typeof dataset.writeDataPoint !== "function") return;
  try {
    const s = r.stats ?? {};
    dataset.writeDataPoint({
      indexes: [r.route],
      blobs: [r.route, r.method, String(r.status), r.errorCode ?? "", MODEL_INFO.version, r.client ?? ""],
      doubles: [r.latencyMs, s.batchSize ?? 0, s.cacheHits ?? 0, s.cacheMisses ?? 0, s.modelRuns ?? 0],
    });
  } catch (err) {
    log("warn", "analytics engine write failed", errorFields(err, false));
  }
}

// ------------------------------------------------------------------------------------------ /metrics

export function snapshot(now = Date.now()): MetricsSnapshot {
  const since = counters.since || now;
  const predictions: Record<string, Record<string, number>> = {};
  for (const [key, n] of counters.predictions) {
    const at = key.indexOf(":");
    const task = key.slice(0, at);
    (predictions[task] ??= {})[key.slice(at + 1)] = n;
  }
  const lookups = counters.cacheHits + counters.cacheMisses;
  return {
    scope: "isolate",
    since: new Date(since).toISOString(),
    uptime_seconds: Math.max(0, Math.round((now - since) / 1000)),
    model: { ...MODEL_INFO },
    requests: [...counters.requests].map(([key, count]) => {
      const at = key.lastIndexOf(" ");
      return { route: key.slice(0, at), status: Number(key.slice(at + 1)), count };
    }),
    errors: Object.fromEntries(counters.errors),
    cache: { hits: counters.cacheHits, misses: counters.cacheMisses, hit_rate: lookups ? counters.cacheHits / lookups : null },
    model_runs: counters.modelRuns,
    posts: counters.posts,
    predictions,
  };
}

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Prometheus text exposition format 0.0.4. */
export function prometheus(s: MetricsSnapshot = snapshot()): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, rows: Array<[Record<string, string>, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`).join(",");
      lines.push(`${name}${l ? `{${l}}` : ""} ${Number.isFinite(value) ? value : "NaN"}`);
    }
  };
  metric("mhelp_model_info", "gauge", "Model served by this isolate.", [[{ name: s.model.name, version: s.model.version }, 1]]);
  metric("mhelp_isolate_uptime_seconds", "gauge", "Seconds since this isolate started counting (counters are per isolate).", [[{}, s.uptime_seconds]]);
  metric("mhelp_requests_total", "counter", "Requests by route pattern and HTTP status.", s.requests.map((r) => [{ route: r.route, status: String(r.status) }, r.count]));
  metric("mhelp_errors_total", "counter", "Error responses by error code.", Object.entries(s.errors).map(([code, n]) => [{ code }, n]));
  metric("mhelp_cache_hits_total", "counter", "Posts answered from the KV prediction cache.", [[{}, s.cache.hits]]);
  metric("mhelp_cache_misses_total", "counter", "Posts not found in the KV prediction cache.", [[{}, s.cache.misses]]);
  metric("mhelp_cache_hit_ratio", "gauge", "cache hits / (hits + misses) since the isolate started.", [[{}, s.cache.hit_rate ?? Number.NaN]]);
  metric("mhelp_model_runs_total", "counter", "Distinct texts run through the model (cache misses after de-duplication).", [[{}, s.model_runs]]);
  metric("mhelp_posts_total", "counter", "Posts predicted (hits and misses).", [[{}, s.posts]]);
  metric(
    "mhelp_predictions_total",
    "counter",
    "Primary-head decisions by task and label (causes: every predicted cause).",
    Object.entries(s.predictions).flatMap(([task, labels]) => Object.entries(labels).map(([label, n]) => [{ task, label }, n] as [Record<string, string>, number])),
  );
  return `${lines.join("\n")}\n`;
}

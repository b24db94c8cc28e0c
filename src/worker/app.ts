// The Hono app: middleware, one sub-app per resource, JSON errors, the OpenAPI document.
//
// Order matters: request id → request log/metrics → config → CORS (answers preflights before any key is
// asked for) → API key + rate limit on protected routes (/v1/* except /v1/labels, and /metrics) → routes.
// Public: /health, /openapi.json, /v1/labels, /docs/* and the demo page (static assets).
//
// Route schemas carry the deployment's limits (MAX_POSTS, …), so an app is built for a Config; index.ts
// builds the Worker's one app from its vars.
import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { apiKeyAuth } from "./auth";
import { DEFAULT_CONFIG, type Config } from "./config";
import type { AppEnv } from "./env";
import { defaultHook, methodNotAllowed, notFound, onError } from "./errors";
import { MODEL_INFO } from "./model";
import { observe } from "./observability";
import { API_VERSION } from "./api-version";
import { serveOpenApi } from "./openapi";
import { docsRoutes } from "./routes/docs";
import { healthRoutes } from "./routes/health";
import { jobsRoutes } from "./routes/jobs";
import { uploadsRoutes } from "./routes/uploads";
import { labelsRoutes } from "./routes/labels";
import { metricsRoutes } from "./routes/metrics";
import { predictRoutes } from "./routes/predict";

/**
 * The methods of each path the Worker serves; any other method there is answered 405 with this as `Allow`.
 * HEAD comes with every GET (Hono answers it from the GET handler), OPTIONS from the CORS middleware.
 */
export const ALLOWED_METHODS: ReadonlyArray<readonly [path: string, methods: readonly string[]]> = [
  ["/v1/predict", ["POST", "OPTIONS"]],
  ["/v1/jobs", ["POST", "OPTIONS"]],
  ["/v1/jobs/:id", ["GET", "HEAD", "DELETE", "OPTIONS"]],
  ["/v1/jobs/:id/results", ["GET", "HEAD", "OPTIONS"]],
  ["/v1/uploads", ["POST", "OPTIONS"]],
  ["/v1/uploads/:upload_id", ["DELETE", "OPTIONS"]],
  ["/v1/uploads/:upload_id/parts/:part", ["PUT", "OPTIONS"]],
  ["/v1/uploads/:upload_id/complete", ["POST", "OPTIONS"]],
  ["/v1/labels", ["GET", "HEAD", "OPTIONS"]],
  ["/health", ["GET", "HEAD", "OPTIONS"]],
  ["/metrics", ["GET", "HEAD", "OPTIONS"]],
  ["/openapi.json", ["GET", "HEAD", "OPTIONS"]],
  ["/docs", ["GET", "HEAD", "OPTIONS"]],
  ["/docs/:name", ["GET", "HEAD", "OPTIONS"]],
];

/** Routes under /v1/* that need no API key. */
const PUBLIC_V1 = new Set(["/v1/labels"]);

export function corsMiddleware(config: Config) {
  const any = config.corsOrigins.includes("*");
  return cors({
    origin: any ? "*" : (origin) => (config.corsOrigins.includes(origin) ? origin : null),
    allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "X-API-Key", "Content-Type", "Accept-Language", "X-Request-Id"],
    exposeHeaders: ["X-Request-Id", "Retry-After", "Location"],
    maxAge: 600,
  });
}

export function createApp(config: Config = DEFAULT_CONFIG) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook });
  app.use(requestId({ headerName: "X-Request-Id" }));
  app.use(observe);
  app.use(async (c, next) => {
    c.set("config", config);
    await next();
  });
  app.use(corsMiddleware(config));
  app.use("/v1/*", (c, next) => (PUBLIC_V1.has(c.req.path) ? next() : apiKeyAuth(c, next)));
  app.use("/metrics/*", apiKeyAuth);
  app.route("/v1/predict", predictRoutes(config));
  app.route("/v1/jobs", jobsRoutes(config));
  app.route("/v1/uploads", uploadsRoutes(config));
  app.route("/v1/labels", labelsRoutes());
  app.route("/health", healthRoutes());
  app.route("/metrics", metricsRoutes());
  app.route("/docs", docsRoutes); // public model/data cards (outside /v1/*: no API key)
  serveOpenApi(app, config, API_VERSION, MODEL_INFO.version);
  // after every route: reached only when no handler above took the method
  for (const [path, methods] of ALLOWED_METHODS) app.all(path, (c) => methodNotAllowed(c, methods));
  app.notFound(notFound);
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;

// The Hono app: middleware, one sub-app per resource, JSON errors.
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./env";
import { readConfig } from "./config";
import { notFound, onError } from "./errors";
import { healthRoutes } from "./routes/health";
import { labelsRoutes } from "./routes/labels";
import { predictRoutes } from "./routes/predict";

export function createApp() {
  const app = new Hono<AppEnv>();
  app.use(requestId({ headerName: "X-Request-Id" }));
  app.use(async (c, next) => {
    c.set("config", readConfig(c.env));
    await next();
  });
  app.route("/v1/predict", predictRoutes);
  app.route("/v1/labels", labelsRoutes);
  app.route("/health", healthRoutes);
  app.notFound(notFound);
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;

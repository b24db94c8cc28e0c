// GET /metrics: this isolate's counters (requests by route/status, errors, cache hits/misses and hit rate,
// predictions per label) as Prometheus text, or JSON with ?format=json or Accept: application/json.
// Per isolate: Cloudflare runs many isolates, so a scraper sees one of them; use Analytics Engine
// (ANALYTICS binding) or Workers Logs for fleet-wide numbers. Needs an API key when AUTH_REQUIRED.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { defaultHook } from "../errors";
import { prometheus, snapshot } from "../observability";
import { errorResponses, SECURITY } from "../openapi";
import { MetricsJsonSchema } from "../schemas";

export const metricsRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["meta"],
  summary: "Per-isolate counters (Prometheus text or JSON)",
  security: SECURITY,
  request: {
    query: z.object({
      format: z.enum(["prometheus", "json"], { error: 'format must be "prometheus" or "json"' }).optional().openapi({ description: "default: prometheus, or json when Accept is application/json" }),
    }),
  },
  responses: {
    200: {
      description: "counters since this isolate started",
      content: {
        "text/plain": { schema: z.string().openapi({ example: 'mhelp_requests_total{route="/v1/predict",status="200"} 12' }) },
        "application/json": { schema: MetricsJsonSchema },
      },
    },
    ...errorResponses(400, 401, 403, 429),
  },
});

export function metricsRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook }).openapi(metricsRoute, (c) => {
    const { format } = c.req.valid("query");
    const json = format === "json" || (format === undefined && /application\/json/i.test(c.req.header("accept") ?? ""));
    c.header("Cache-Control", "no-store");
    if (json) return c.json(snapshot(), 200);
    return c.text(prometheus(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });
}

// Worker entry point: one app, built once per isolate from the Worker's vars (its route schemas carry the
// limits). The model is bundled (see wrangler.toml) and loaded lazily on the first prediction that misses
// the cache.
import { env } from "cloudflare:workers";
import { createApp } from "./app";
import { readConfig } from "./config";
import type { Env } from "./env";

const app = createApp(readConfig(env));

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;

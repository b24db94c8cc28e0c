// Worker entry point. The model is bundled (see wrangler.toml) and loaded lazily on the first prediction.
// The app is built on the first request from the Worker's vars (its route schemas carry the limits) and
// reused for every later request in the isolate.
import { createApp, type App } from "./app";
import { readConfig } from "./config";
import type { Config, Env } from "./env";

// Keyed by the config's content, so it holds one app per isolate in practice (vars do not change at run time).
const apps = new Map<string, App>();

export function appFor(env: Env): App {
  const config: Config = readConfig(env);
  const key = JSON.stringify(config);
  let app = apps.get(key);
  if (!app) {
    app = createApp(config);
    apps.set(key, app);
  }
  return app;
}

export default {
  fetch: (request, env, ctx) => appFor(env).fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;

export { createApp };

// Worker entry point. The model is bundled (see wrangler.toml) and loaded lazily on the first prediction.
import { createApp } from "./app";
import type { Env } from "./env";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;

export { createApp };

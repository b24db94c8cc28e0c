// Worker entry point: one app, built once per isolate from the Worker's vars (its route schemas carry the
// limits). The model is bundled (see wrangler.toml) and loaded lazily on the first prediction that misses
// the cache. Besides HTTP, the Worker consumes its own job queue (batch jobs, src/worker/jobs/), runs the
// daily retention sweep (cron), and exports the JobTracker Durable Object class.
import { env } from "cloudflare:workers";
import { createApp } from "./app";
import { readConfig } from "./config";
import type { Env } from "./env";
import { handleQueue } from "./jobs/job-queue";
import type { JobMessage } from "./jobs/job-layout";
import { sweepExpired } from "./jobs/job-retention";

export { JobTracker } from "./jobs/job-tracker";

const config = readConfig(env);
const app = createApp(config);

export default {
  fetch: app.fetch,
  // (the execution context is unused: a message is acknowledged only after its work is done)
  queue: (batch, workerEnv, _ctx) => handleQueue(batch as MessageBatch<JobMessage>, workerEnv, config),
  scheduled: (_controller, workerEnv, ctx) => ctx.waitUntil(sweepExpired(workerEnv.JOBS_BUCKET, config)),
} satisfies ExportedHandler<Env, JobMessage>;

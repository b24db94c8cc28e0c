// The daily cron sweep (wrangler.toml [triggers]): deletes job and upload objects older than
// JOB_RETENTION_DAYS. Each job's own alarm (JobTracker.alarm) deletes its objects on time; this sweep catches
// what no job owns (an upload never submitted, a part written after a cancel) and stands in if an alarm fails.
// The bucket's lifecycle rule (README, Batch jobs) is the third line. Logs carry counts only.
import type { Config } from "../config";
import { log } from "../logger";

/** Prefixes the sweep walks: every object the job API writes lives under one of them (job-layout.ts). */
export const SWEPT_PREFIXES = ["jobs/", "uploads/"] as const;

export async function sweepExpired(bucket: R2Bucket, config: Config, now = Date.now()): Promise<number> {
  const cutoff = now - config.jobRetentionDays * 86_400_000;
  let deleted = 0;
  for (const prefix of SWEPT_PREFIXES) {
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix, cursor, limit: 1_000 });
      const old = page.objects.filter((o) => o.uploaded.getTime() < cutoff).map((o) => o.key);
      if (old.length > 0) await bucket.delete(old);
      deleted += old.length;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }
  log("info", "job retention sweep", { deleted, retention_days: config.jobRetentionDays });
  return deleted;
}

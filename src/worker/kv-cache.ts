// A cache of JSON values in Workers KV, validated by a zod schema both ways: a value is written as the
// schema's output (fields outside the schema are never stored) and read back only when it still parses
// (anything else is a miss). The cache never makes a request fail: a KV error is logged and counts as a
// miss on read, or as an unwritten entry on write.
import type { z } from "zod";
import { errorFields, log } from "./logger";

/** KV refuses an expirationTtl under 60 s. */
export const KV_MIN_TTL_SECONDS = 60;
/** KV's bulk get takes at most 100 keys. */
export const KV_BULK_GET_MAX = 100;

export class KvCache<T> {
  constructor(
    private readonly kv: KVNamespace,
    private readonly schema: z.ZodType<T>,
    /** `name` labels the log lines; `ttlSeconds` is raised to KV_MIN_TTL_SECONDS when lower */
    private readonly options: { name: string; ttlSeconds: number },
  ) {}

  /** The valid values stored under `keys` (bulk gets of at most KV_BULK_GET_MAX distinct keys). */
  async getMany(keys: readonly string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += KV_BULK_GET_MAX) {
      let values: Map<string, unknown>;
      try {
        values = (await this.kv.get(unique.slice(i, i + KV_BULK_GET_MAX), "json")) as Map<string, unknown>;
      } catch (err) {
        log("warn", "kv bulk get failed; treating as misses", { cache: this.options.name, ...errorFields(err, false) });
        continue;
      }
      for (const [key, value] of values) {
        const parsed = this.schema.safeParse(value);
        if (parsed.success) found.set(key, parsed.data);
      }
    }
    return found;
  }

  /** Writes every entry with the cache's TTL; failures are logged (counts only) and swallowed. */
  async putMany(entries: ReadonlyArray<readonly [string, T]>): Promise<void> {
    const expirationTtl = Math.max(KV_MIN_TTL_SECONDS, Math.floor(this.options.ttlSeconds));
    const results = await Promise.allSettled(
      entries.map(async ([key, value]) => this.kv.put(key, JSON.stringify(this.schema.parse(value)), { expirationTtl })),
    );
    const failed = results.filter((r) => r.status === "rejected").length;
    if (failed > 0) log("warn", "kv put failed", { cache: this.options.name, failed, total: entries.length });
  }
}

// src/worker/kv-cache.ts: a zod-validated KV cache that never fails a request.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { KV_BULK_GET_MAX, KV_MIN_TTL_SECONDS, KvCache } from "../../src/worker/kv-cache";

const Schema = z.object({ n: z.number().int(), tags: z.array(z.string()) });
type Value = z.infer<typeof Schema>;

function fakeKv(get: (keys: string[]) => Promise<Map<string, unknown>>) {
  const puts: Array<{ key: string; value: string; ttl?: number }> = [];
  const kv = {
    put: async (key: string, value: string, options?: KVNamespacePutOptions) => {
      puts.push({ key, value, ttl: options?.expirationTtl });
    },
    get: (keys: string[]) => get(keys),
  } as unknown as KVNamespace;
  return { kv, puts };
}

describe("KvCache", () => {
  afterEach(() => vi.restoreAllMocks());

  it("round-trips values through KV, storing only the schema's fields", async () => {
    const cache = new KvCache<Value>(env.PREDICTIONS, Schema, { name: "test", ttlSeconds: 3600 });
    const key = `kvtest:${crypto.randomUUID()}`;
    await cache.putMany([[key, { n: 1, tags: ["a"], secret: "must not be stored" } as Value]]);
    const stored = await env.PREDICTIONS.get(key);
    expect(JSON.parse(stored!)).toEqual({ n: 1, tags: ["a"] });
    expect(await cache.getMany([key, key, "kvtest:absent"])).toEqual(new Map([[key, { n: 1, tags: ["a"] }]]));
  });

  it("treats a stored value the schema rejects as a miss", async () => {
    const cache = new KvCache<Value>(env.PREDICTIONS, Schema, { name: "test", ttlSeconds: 3600 });
    const key = `kvtest:${crypto.randomUUID()}`;
    await env.PREDICTIONS.put(key, JSON.stringify({ n: "one", tags: [] }));
    expect((await cache.getMany([key])).size).toBe(0);
  });

  it(`raises the TTL to KV's floor of ${KV_MIN_TTL_SECONDS} s`, async () => {
    const { kv, puts } = fakeKv(async () => new Map());
    await new KvCache<Value>(kv, Schema, { name: "test", ttlSeconds: 10 }).putMany([["k", { n: 1, tags: [] }]]);
    await new KvCache<Value>(kv, Schema, { name: "test", ttlSeconds: 120.7 }).putMany([["k", { n: 1, tags: [] }]]);
    expect(puts.map((p) => p.ttl)).toEqual([KV_MIN_TTL_SECONDS, 120]);
  });

  it(`reads distinct keys in bulk gets of at most ${KV_BULK_GET_MAX}`, async () => {
    const calls: string[][] = [];
    const { kv } = fakeKv(async (keys) => {
      calls.push(keys);
      return new Map(keys.map((k) => [k, { n: Number(k), tags: [] }]));
    });
    const keys = Array.from({ length: 250 }, (_, i) => String(i % 230));
    const found = await new KvCache<Value>(kv, Schema, { name: "test", ttlSeconds: 60 }).getMany(keys);
    expect(calls.map((c) => c.length)).toEqual([KV_BULK_GET_MAX, KV_BULK_GET_MAX, 30]);
    expect(found.size).toBe(230);
  });

  it("logs and swallows KV failures: a failed read is a miss, a failed write is counted", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const kv = {
      get: async () => {
        throw new Error("KV down");
      },
      put: async () => {
        throw new Error("KV down");
      },
    } as unknown as KVNamespace;
    const cache = new KvCache<Value>(kv, Schema, { name: "test", ttlSeconds: 60 });
    expect((await cache.getMany(["k1"])).size).toBe(0);
    await cache.putMany([["k1", { n: 1, tags: [] }], ["k2", { n: 2, tags: [] }]]);
    const lines = warn.mock.calls.map((c) => JSON.parse(String(c[0])));
    expect(lines).toEqual([
      { level: "warn", msg: "kv bulk get failed; treating as misses", cache: "test", error: "Error" },
      { level: "warn", msg: "kv put failed", cache: "test", failed: 2, total: 2 },
    ]);
  });
});

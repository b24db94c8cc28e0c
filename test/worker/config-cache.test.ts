// Unit tests for the Worker's config parsing and KV cache helpers (inside workerd, no model needed).
import { describe, expect, it } from "vitest";
import { cacheKey, readPredictions, sha256Hex, writePredictions } from "../../src/worker/cache";
import { DEFAULT_CONFIG, readConfig } from "../../src/worker/config";
import type { Prediction } from "../../src/engine/types";

const prediction: Prediction = { heads: { help_seeking: { label: "yes", probs: { no: 0.2, yes: 0.8 } } }, windows: 1, tokens: 5 };

describe("readConfig", () => {
  it("uses defaults for missing or unparsable vars and bounds the rest", () => {
    expect(readConfig({})).toEqual(DEFAULT_CONFIG);
    expect(readConfig({ MAX_POSTS: "many", CACHE_TTL_SECONDS: "" })).toEqual(DEFAULT_CONFIG);
    const c = readConfig({ CACHE_TTL_SECONDS: "5", MAX_POSTS: "1000", MAX_CHARS_PER_POST: "0" });
    expect(c.cacheTtlSeconds).toBe(60); // KV's minimum expirationTtl
    expect(c.maxPosts).toBe(100); // KV bulk get limit
    expect(c.maxCharsPerPost).toBe(1);
  });

  it("parses the explain limits, the auth switch and the CORS origins", () => {
    const c = readConfig({ MAX_EXPLAIN_POSTS: "4", MAX_EXPLAIN_CHARS: "2000", AUTH_REQUIRED: "false", CORS_ORIGINS: "https://a.example  http://localhost:3000, not-an-origin" });
    expect(c).toMatchObject({ maxExplainPosts: 4, maxExplainChars: 2000, authRequired: false, corsOrigins: ["https://a.example", "http://localhost:3000"] });
    expect(readConfig({ CORS_ORIGINS: "https://a.example,*" }).corsOrigins).toEqual(["*"]);
    expect(readConfig({ CORS_ORIGINS: "" }).corsOrigins).toEqual([]);
  });
});

describe("cache helpers", () => {
  it("builds v1:<name>@<version>:<sha256> keys", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await cacheKey({ name: "m", version: "1.2.3" }, "abc")).toBe("v1:m@1.2.3:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // the default variant keeps the plain key; another variant of the same version never shares its entries
    expect(await cacheKey({ name: "m", version: "1.2.3", variant: "default" }, "abc")).toBe(await cacheKey({ name: "m", version: "1.2.3" }, "abc"));
    expect(await cacheKey({ name: "m", version: "1.2.3", variant: "fast" }, "abc")).toBe("v1:m@1.2.3+fast:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("writes prediction JSON only, with a TTL of at least 60 s, and tolerates KV failures", async () => {
    const puts: Array<{ key: string; value: string; ttl?: number }> = [];
    const fake = {
      put: async (key: string, value: string, options?: KVNamespacePutOptions) => {
        puts.push({ key, value, ttl: options?.expirationTtl });
      },
      get: async () => {
        throw new Error("KV down");
      },
    } as unknown as KVNamespace;
    await writePredictions(fake, [["k1", { ...prediction, text: "must not be stored" } as Prediction]], 10);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.ttl).toBe(60);
    expect(JSON.parse(puts[0]!.value)).toEqual(prediction);
    expect(puts[0]!.value).not.toContain("must not be stored");
    // a failing KV read is a miss, not an error
    expect((await readPredictions(fake, ["k1"])).size).toBe(0);
  });
});

// src/worker/config.ts: the Worker's vars → Config, and wrangler.toml shipping the same values as VARS.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, readConfig, VARS } from "../../src/worker/config";

describe("readConfig", () => {
  it("uses defaults for missing or unparsable vars and bounds the rest", () => {
    expect(readConfig({})).toEqual(DEFAULT_CONFIG);
    expect(readConfig(undefined)).toEqual(DEFAULT_CONFIG);
    expect(readConfig({ MAX_POSTS: "many", CACHE_TTL_SECONDS: "" })).toEqual(DEFAULT_CONFIG);
    const c = readConfig({ CACHE_TTL_SECONDS: "5", MAX_POSTS: "1000", MAX_CHARS_PER_POST: "0", MAX_TOTAL_CHARS: "2500.9" });
    expect(c.cacheTtlSeconds).toBe(60); // KV's minimum expirationTtl
    expect(c.maxPosts).toBe(100); // KV bulk get limit
    expect(c.maxCharsPerPost).toBe(1);
    expect(c.maxTotalChars).toBe(2500);
  });

  it("parses the explain limits, the auth switch and the CORS origins", () => {
    const c = readConfig({ MAX_EXPLAIN_POSTS: "4", MAX_EXPLAIN_CHARS: "2000", AUTH_REQUIRED: "false", CORS_ORIGINS: "https://a.example  http://localhost:3000, not-an-origin" });
    expect(c).toMatchObject({ maxExplainPosts: 4, maxExplainChars: 2000, authRequired: false, corsOrigins: ["https://a.example", "http://localhost:3000"] });
    expect(readConfig({ CORS_ORIGINS: "https://a.example,*" }).corsOrigins).toEqual(["*"]);
    expect(readConfig({ CORS_ORIGINS: "" }).corsOrigins).toEqual([]);
  });
});

describe("wrangler.toml [vars]", () => {
  // The vars the tests run with are wrangler.toml's (the vitest plugin reads it), i.e. what a deploy ships.
  const vars = env as unknown as Record<string, unknown>;

  it("sets every var config.ts reads, and no other", () => {
    const names = Object.values(VARS).map((v) => v.name).sort();
    // string vars only, without the one the vitest plugin adds (__VITEST_POOL_WORKERS_…)
    const shipped = Object.keys(vars).filter((k) => typeof vars[k] === "string" && !k.startsWith("__")).sort();
    expect(shipped).toEqual(names);
  });

  it("ships config.ts's defaults (CORS aside: the code fails closed, the deploy opens it to any origin)", () => {
    const { corsOrigins, ...shipped } = readConfig(env);
    const { corsOrigins: defaultOrigins, ...defaults } = DEFAULT_CONFIG;
    expect(shipped).toEqual(defaults);
    for (const [key, v] of Object.entries(VARS)) {
      if (key !== "corsOrigins") expect(String(vars[v.name]), v.name).toBe(String(v.fallback));
    }
    expect(defaultOrigins).toEqual([]);
    expect(corsOrigins).toEqual(["*"]);
  });
});

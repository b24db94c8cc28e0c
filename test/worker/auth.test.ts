// API keys (401/403), per-key rate limits (429 + Retry-After, Miniflare's emulation of the binding), CORS
// before auth, and the AUTH_REQUIRED=false development mode.
/// <reference types="vite/client" />
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { createApp } from "../../src/worker/app";
import { presentedKey, RATE_LIMIT_PERIOD_SECONDS, retryAfterSeconds } from "../../src/worker/auth";
import { sha256Hex } from "../../src/worker/sha256";
import { DEFAULT_CONFIG, readConfig } from "../../src/worker/config";
import { ApiError } from "../../src/worker/errors";
import { BASE, callRaw, expectError, newKey, storeKey } from "./helpers";

const BODY = JSON.stringify({ posts: [{ id: "1", text: "hello there" }] });
const predict = (headers: Record<string, string>) => callRaw("/v1/predict", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: BODY });

describe("API keys", () => {
  it("answers 401 without a key, saying how to send one", async () => {
    const res = await predict({});
    const body = await expectError(res, 401, "missing_api_key");
    expect(body.error.message).toMatch(/Authorization: Bearer/);
    expect(body.error.message).toMatch(/api-keys\.mjs create/);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("answers 401 for a malformed Authorization header or key", async () => {
    await expectError(await predict({ authorization: "Basic dXNlcjpwYXNz" }), 401, "malformed_api_key");
    await expectError(await predict({ authorization: "Bearer" }), 401, "malformed_api_key");
    await expectError(await predict({ authorization: "Bearer short" }), 401, "malformed_api_key");
    await expectError(await predict({ "x-api-key": "has spaces in it which is not allowed" }), 401, "malformed_api_key");
  });

  it("answers 403 for an unknown key and for a revoked key", async () => {
    await expectError(await predict({ authorization: `Bearer mhk_${"x".repeat(43)}` }), 403, "invalid_api_key");
    const revoked = `mhk_revoked_${crypto.randomUUID()}`;
    await storeKey(revoked, { name: "old", revoked: new Date().toISOString() });
    const body = await expectError(await predict({ authorization: `Bearer ${revoked}` }), 403, "revoked_api_key");
    expect(body.error.message).toMatch(/revoked/);
  });

  it("treats a stored value that is not a key record as unknown", async () => {
    const key = `mhk_corrupt_${crypto.randomUUID()}`;
    await env.API_KEYS.put(await sha256Hex(key), "not json");
    await expectError(await predict({ authorization: `Bearer ${key}` }), 403, "invalid_api_key");
  });

  it("accepts a valid key as a bearer token (any case of the scheme) or in X-API-Key", async () => {
    const key = await newKey("accept");
    expect((await predict({ authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await predict({ authorization: `bearer ${key}` })).status).toBe(200);
    expect((await predict({ "x-api-key": key })).status).toBe(200);
  });

  it("stores only the hash: the key itself appears nowhere in KV", async () => {
    const key = await newKey("hash-only");
    const list = await env.API_KEYS.list();
    expect(list.keys.map((k) => k.name)).toContain(await sha256Hex(key));
    for (const k of list.keys) {
      expect(k.name).toMatch(/^[0-9a-f]{64}$/);
      expect(await env.API_KEYS.get(k.name)).not.toContain(key);
    }
  });

  it("keeps /health, /openapi.json, /v1/labels and /docs public, and protects /metrics", async () => {
    for (const path of ["/health", "/openapi.json", "/v1/labels"]) expect((await callRaw(path)).status, path).toBe(200);
    expect((await callRaw("/docs/model-card")).status).not.toBe(401);
    await expectError(await callRaw("/metrics"), 401, "missing_api_key");
  });

  it("parses the presented key", () => {
    expect(presentedKey(undefined, undefined)).toBeNull();
    expect(presentedKey("  ", "")).toBeNull();
    expect(presentedKey("Bearer abcdefghijklmnop", undefined)).toBe("abcdefghijklmnop");
    expect(presentedKey("Bearer abcdefghijklmnop", "qrstuvwxyz0123456")).toBe("abcdefghijklmnop"); // Authorization wins
    expect(presentedKey(undefined, " qrstuvwxyz0123456 ")).toBe("qrstuvwxyz0123456");
    expect(() => presentedKey("Token abcdefghijklmnop", undefined)).toThrow(ApiError);
  });
});

describe("rate limits (RATE_LIMITER binding, 100 per 60 s per key, emulated by Miniflare)", () => {
  it("answers 429 with Retry-After and a JSON error once a key exceeds its budget", async () => {
    const key = await newKey("busy");
    const other = await newKey("quiet");
    // Invalid bodies are cheap (no model run) but still count: the limit applies before validation.
    // Windows are aligned to the wall clock, so allow for one rollover during the loop.
    let limited: Response | null = null;
    let sent = 0;
    for (; sent < 260 && !limited; sent++) {
      const res = await callRaw("/v1/predict", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: "{}" });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(400);
    }
    expect(limited, `no 429 after ${sent} requests`).not.toBeNull();
    expect(sent).toBeGreaterThan(100);
    const retryAfter = Number(limited!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = await expectError(limited!, 429, "rate_limited");
    expect(body.error.message).toMatch(/Retry-After/);
    // the budget is per key
    expect((await predict({ authorization: `Bearer ${other}` })).status).toBe(200);
  });

  it("uses the RATE_LIMITER binding's period from wrangler.toml", () => {
    // the body of each [[ratelimits]] table: up to the next table header
    const tables = wranglerToml.split(/^\[\[ratelimits\]\]\s*$/m).slice(1).map((rest) => rest.split(/^\[/m)[0]!);
    const binding = tables.find((table) => /^name\s*=\s*"RATE_LIMITER"\s*$/m.test(table));
    const period = /^simple\s*=\s*\{[^}]*\bperiod\s*=\s*(\d+)/m.exec(binding ?? "")?.[1];
    expect(period, "wrangler.toml has no [[ratelimits]] RATE_LIMITER with simple.period").toBeDefined();
    expect(Number(period)).toBe(RATE_LIMIT_PERIOD_SECONDS);
  });

  it("estimates Retry-After as the rest of the aligned window", () => {
    expect(retryAfterSeconds(60_000 * 1000)).toBe(60);
    expect(retryAfterSeconds(60_000 * 1000 + 59_500)).toBe(1);
    expect(retryAfterSeconds(60_000 * 1000 + 15_000)).toBe(45);
  });

  it("fails open when the limiter itself fails", async () => {
    const key = await newKey("limiter-down");
    const app = createApp(readConfig(env));
    const broken = { limit: async () => { throw new Error("limiter down"); } };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const res = await app.request("/v1/labels", {}, env);
    expect(res.status).toBe(200);
    const ctx = createExecutionContext();
    const res2 = await app.request(
      "/v1/predict",
      { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: BODY },
      { ...env, RATE_LIMITER: broken },
      ctx,
    );
    expect(res2.status).toBe(200);
    await waitOnExecutionContext(ctx);
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(/rate limiter failed/);
    warn.mockRestore();
  });
});

describe("CORS (before auth)", () => {
  it("answers a preflight for /v1/predict without a key, allowing the auth headers and exposing X-Request-Id", async () => {
    const res = await callRaw("/v1/predict", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, x-api-key" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toMatch(/POST/);
    const allowed = res.headers.get("access-control-allow-headers")!.toLowerCase();
    for (const h of ["authorization", "x-api-key", "content-type"]) expect(allowed).toContain(h);
  });

  it("puts CORS headers on errors too, so browsers can read the 401", async () => {
    const res = await callRaw("/v1/predict", { method: "POST", headers: { origin: "https://app.example", "content-type": "application/json" }, body: BODY });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toMatch(/X-Request-Id/);
  });

  it("allows only the configured origins when CORS_ORIGINS is a list", async () => {
    const config = readConfig({ CORS_ORIGINS: "https://a.example, https://b.example/", AUTH_REQUIRED: "true" });
    expect(config.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
    const app = createApp(config);
    const preflight = (origin: string) =>
      app.request("/v1/predict", { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } }, env);
    expect((await preflight("https://b.example")).headers.get("access-control-allow-origin")).toBe("https://b.example");
    expect((await preflight("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("AUTH_REQUIRED", () => {
  it("defaults to on and is switched off only by an explicit false", () => {
    expect(DEFAULT_CONFIG.authRequired).toBe(true);
    expect(readConfig({}).authRequired).toBe(true);
    expect(readConfig({ AUTH_REQUIRED: "yes please" }).authRequired).toBe(true);
    for (const off of ["false", "FALSE", "0", "no", "off"]) expect(readConfig({ AUTH_REQUIRED: off }).authRequired).toBe(false);
  });

  it("when off (npm run dev), serves without a key and warns once", async () => {
    const app = createApp(readConfig({ ...env, AUTH_REQUIRED: "false" }));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const ctx = createExecutionContext();
    const res = await app.request(`${BASE}/v1/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: BODY }, { ...env, AUTH_REQUIRED: "false" }, ctx);
    expect(res.status, await res.clone().text()).toBe(200);
    await app.request(`${BASE}/v1/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: BODY }, env, ctx);
    await waitOnExecutionContext(ctx);
    const warnings = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes("AUTH_REQUIRED is false"));
    expect(warnings).toHaveLength(1); // once per isolate, not once per request
    warn.mockRestore();
  });
});

// A known path asked with a method it does not have: 405 method_not_allowed with `Allow` (RFC 9110 §15.5.6),
// not 404; unknown paths stay 404. Schemathesis's unsupported_method check (scripts/conformance.mjs) asks the same.
import { describe, expect, it } from "vitest";
import { ALLOWED_METHODS } from "../../src/worker/app";
import { call, callRaw, expectError } from "./helpers";

describe("methods a path does not have", () => {
  it.each([
    ["TRACE", "/health", "GET, HEAD, OPTIONS"],
    ["POST", "/health", "GET, HEAD, OPTIONS"],
    ["PUT", "/v1/labels", "GET, HEAD, OPTIONS"],
    ["DELETE", "/v1/labels", "GET, HEAD, OPTIONS"],
    ["GET", "/v1/predict", "POST, OPTIONS"],
    ["PATCH", "/v1/predict", "POST, OPTIONS"],
    ["TRACE", "/metrics", "GET, HEAD, OPTIONS"],
    ["POST", "/openapi.json", "GET, HEAD, OPTIONS"],
    ["DELETE", "/docs/model-card", "GET, HEAD, OPTIONS"],
  ])("%s %s → 405 with Allow: %s", async (method, path, allow) => {
    const body = await expectError(await call(path, { method }), 405, "method_not_allowed");
    expect(body.error.message).toContain(method);
  });

  it("sends Allow with the path's methods", async () => {
    for (const [path, methods] of ALLOWED_METHODS) {
      const concrete = path.replace(":name", "model-card");
      const method = methods.includes("GET") ? "PUT" : "GET";
      const res = await call(concrete, { method });
      expect(res.status, `${method} ${concrete}`).toBe(405);
      expect(res.headers.get("allow"), concrete).toBe(methods.join(", "));
    }
  });

  it("keeps the declared methods working, HEAD included", async () => {
    expect((await callRaw("/health")).status).toBe(200);
    const head = await callRaw("/health", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect((await callRaw("/v1/labels", { method: "HEAD" })).status).toBe(200);
  });

  it("still asks for a key first on a protected path", async () => {
    expect((await callRaw("/v1/predict", { method: "GET" })).status).toBe(401);
  });

  it("answers 404 for paths that do not exist, whatever the method", async () => {
    await expectError(await call("/v2/predict", { method: "PUT" }), 404, "not_found");
    await expectError(await call("/healthz"), 404, "not_found");
  });
});

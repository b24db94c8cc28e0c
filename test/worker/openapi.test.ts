// GET /openapi.json: an OpenAPI 3.1 document generated from the same zod schemas that validate requests.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import modelJson from "../../models/default/model.json";
import pkg from "../../package.json";
import { ALLOWED_METHODS, createApp } from "../../src/worker/app";
import { DEFAULT_CONFIG, readConfig } from "../../src/worker/config";
import { NON_BLANK_RE, PREDICT_EXAMPLE, predictRequestSchema } from "../../src/worker/schemas";
import { BASE, callRaw } from "./helpers";

type Json = Record<string, any>;

async function spec(): Promise<Json> {
  const res = await callRaw("/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  return (await res.json()) as Json;
}

describe("GET /openapi.json", () => {
  it("is OpenAPI 3.1 with every public route, the security schemes and this server", async () => {
    const doc = await spec();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("mhelp");
    expect(doc.info.version).toBe(pkg.version); // the API's version, not the model's
    expect(doc.info.description).toContain(`model version ${modelJson.version}`);
    expect(doc.info.description).toMatch(/not a diagnosis|never a diagnosis/);
    expect(doc.servers[0].url).toBe("http://mhelp.test");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/health",
      "/metrics",
      "/v1/jobs",
      "/v1/jobs/{id}",
      "/v1/jobs/{id}/results",
      "/v1/labels",
      "/v1/predict",
      "/v1/uploads",
      "/v1/uploads/{upload_id}",
      "/v1/uploads/{upload_id}/complete",
      "/v1/uploads/{upload_id}/parts/{part}",
    ]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.securitySchemes.apiKeyHeader).toMatchObject({ type: "apiKey", in: "header", name: "X-API-Key" });
    // protected routes declare security, public ones do not
    expect(doc.paths["/v1/predict"].post.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(doc.paths["/metrics"].get.security).toBeDefined();
    expect(doc.paths["/v1/labels"].get.security).toBeUndefined();
    expect(doc.paths["/health"].get.security).toBeUndefined();
  });

  it("describes POST /v1/predict from the zod schemas, with the deployment's limits, examples and error responses", async () => {
    const doc = await spec();
    const op = doc.paths["/v1/predict"].post;
    expect(op.requestBody.required).toBe(true);
    expect(op.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/PredictRequest");
    const req = doc.components.schemas.PredictRequest;
    expect(req.additionalProperties).toBe(false);
    expect(req.required).toEqual(["posts"]);
    expect(req.properties.posts.maxItems).toBe(DEFAULT_CONFIG.maxPosts);
    expect(req.properties.posts.minItems).toBe(1);
    expect(req.properties.posts.items.properties.text.maxLength).toBe(DEFAULT_CONFIG.maxCharsPerPost);
    expect(req.properties.explain.type).toBe("boolean");
    expect(req.properties.explain.default).toBe(false);
    expect(req.example).toEqual(PREDICT_EXAMPLE);
    // the example is itself a valid request
    expect(predictRequestSchema(DEFAULT_CONFIG).safeParse(req.example).success).toBe(true);

    expect(op.responses["200"].content["application/json"].schema.$ref).toBe("#/components/schemas/PredictResponse");
    for (const status of ["400", "401", "403", "413", "415", "429", "503"]) {
      expect(op.responses[status].content["application/json"].schema.$ref, status).toBe("#/components/schemas/Error");
    }
    expect(op.responses["429"].headers["Retry-After"]).toBeDefined();
    const result = doc.components.schemas.PredictResult;
    expect(result.required).toEqual(expect.arrayContaining(["id", "help_seeking", "condition", "causes", "review"]));
    expect(result.required).not.toContain("evidence");
    expect(result.required).not.toContain("resources");
    for (const name of ["Evidence", "EvidenceSpan", "Review", "CrisisResources", "Error", "Issue"]) expect(doc.components.schemas[name], name).toBeDefined();
    expect(doc.components.schemas.Error.example.error.code).toBe("invalid_request");
  });

  it("matches the validator: what the spec forbids, the API rejects", async () => {
    const doc = await spec();
    const req = doc.components.schemas.PredictRequest;
    const schema = predictRequestSchema(DEFAULT_CONFIG);
    const tooMany = { posts: Array.from({ length: req.properties.posts.maxItems + 1 }, (_, i) => ({ id: String(i), text: "x" })) };
    expect(schema.safeParse(tooMany).success).toBe(false);
    expect(schema.safeParse({ posts: [{ id: "1", text: "x" }], extra: 1 }).success).toBe(false);
  });

  it("states the text rules the Worker enforces: minLength 1 and a pattern that is exactly not-only-whitespace", async () => {
    const doc = await spec();
    const text = doc.components.schemas.PredictRequest.properties.posts.items.properties.text;
    expect(text.minLength).toBe(1);
    expect(text.pattern).toBe(NON_BLANK_RE.source);
    // JSON Schema patterns are unanchored ECMA-262 regexes: the document's pattern, compiled as a validator
    // would, agrees with the Worker's trim() on every UTF-16 code unit
    const pattern = new RegExp(text.pattern);
    const schema = predictRequestSchema(DEFAULT_CONFIG);
    for (let u = 0; u <= 0xffff; u++) {
      const ch = String.fromCharCode(u);
      if (pattern.test(ch) !== ch.trim().length > 0) throw new Error(`pattern and trim() disagree on U+${u.toString(16)}`);
    }
    for (const t of ["", " ", "\t\n", "\u00a0\ufeff\u3000", "x", " x ", "\u001c"]) {
      const valid = t.length >= text.minLength && pattern.test(t);
      expect(schema.safeParse({ posts: [{ id: "1", text: t }] }).success, JSON.stringify(t)).toBe(valid);
    }
  });

  it("states the explain limits as an if/then and describes the rules JSON Schema cannot express", async () => {
    const doc = await spec();
    const req = doc.components.schemas.PredictRequest;
    expect(req.if).toEqual({ properties: { explain: { const: true } }, required: ["explain"] });
    expect(req.then.properties.posts.maxItems).toBe(DEFAULT_CONFIG.maxExplainPosts);
    expect(req.then.properties.posts.items.properties.text.maxLength).toBe(DEFAULT_CONFIG.maxExplainChars);
    expect(req.description).toMatch(/unique/);
    expect(req.description).toContain(String(DEFAULT_CONFIG.maxTotalChars));
    expect(req.description).toContain(String(DEFAULT_CONFIG.maxExplainChars));
    const schema = predictRequestSchema(DEFAULT_CONFIG);
    const nine = Array.from({ length: DEFAULT_CONFIG.maxExplainPosts + 1 }, (_, i) => ({ id: String(i), text: "x" }));
    expect(schema.safeParse({ posts: nine, explain: true }).success).toBe(false);
    expect(schema.safeParse({ posts: nine, explain: false }).success).toBe(true);
  });

  it("keeps 413 for the byte limit only: the schema's limits are 400", async () => {
    const doc = await spec();
    const op = doc.paths["/v1/predict"].post;
    expect(op.responses["413"].description).toMatch(/MAX_BODY_BYTES/);
    expect(op.responses["413"].description).not.toMatch(/posts/);
    expect(op.responses["400"].description).toMatch(/limits on posts and characters/);
  });

  it("lists for each path the methods the Worker answers; the rest get 405 (test/worker/methods.test.ts)", async () => {
    const doc = await spec();
    const allowed = new Map(ALLOWED_METHODS);
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      const declared = Object.keys(item).map((m) => m.toUpperCase());
      const expected = allowed.get(path.replace(/\{(\w+)\}/g, ":$1"))!.filter((m) => m !== "HEAD" && m !== "OPTIONS");
      expect(declared.sort(), path).toEqual([...expected].sort());
    }
    expect(doc.info.description).toMatch(/405/);
  });
});

describe("GET /openapi.json with AUTH_REQUIRED false (npm run dev)", () => {
  it("declares no security and no 401/403/429, and says why", async () => {
    const app = createApp(readConfig({ ...env, AUTH_REQUIRED: "false" }));
    const res = await app.request(`${BASE}/openapi.json`, {}, { ...env, AUTH_REQUIRED: "false" });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Json;
    expect(doc.components.securitySchemes).toBeUndefined();
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        expect(op.security, `${method} ${path}`).toBeUndefined();
        for (const status of ["401", "403", "429"]) expect(op.responses[status], `${method} ${path} ${status}`).toBeUndefined();
      }
    }
    expect(doc.info.description).toMatch(/AUTH_REQUIRED false/);
    // the rest is the deployed document
    expect(doc.paths["/v1/predict"].post.responses["400"]).toBeDefined();
    expect(doc.components.schemas.PredictRequest.properties.posts.items.properties.text.minLength).toBe(1);
  });

  it("as deployed (AUTH_REQUIRED true) declares them", async () => {
    const doc = await spec();
    expect(doc.paths["/v1/predict"].post.responses["401"]).toBeDefined();
    expect(doc.paths["/metrics"].get.responses["429"]).toBeDefined();
    expect(doc.info.description).toMatch(/need an API key/);
  });
});

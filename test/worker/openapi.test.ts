// GET /openapi.json: an OpenAPI 3.1 document generated from the same zod schemas that validate requests.
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/worker/config";
import { PREDICT_EXAMPLE, predictRequestSchema } from "../../src/worker/schemas";
import { callRaw } from "./helpers";

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
    expect(doc.info.description).toMatch(/not a diagnosis|never a diagnosis/);
    expect(doc.servers[0].url).toBe("http://mhelp.test");
    expect(Object.keys(doc.paths).sort()).toEqual(["/health", "/metrics", "/v1/labels", "/v1/predict"]);
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
});

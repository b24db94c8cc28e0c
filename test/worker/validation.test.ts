// Bad input never reaches the model and never yields a 500: 400/413/415 with a JSON error that names the
// problem and how to fix it (zod issues), or 404 for unknown routes. Every schema violation, the limits on
// posts and characters included, is 400 invalid_request; 413 is only for a body over MAX_BODY_BYTES.
import { describe, expect, it } from "vitest";
import { call, expectError, postJson } from "./helpers";

const post = (i: number, text = "hello there") => ({ id: String(i), text });

describe("POST /v1/predict validation", () => {
  it("rejects malformed JSON without echoing the body", async () => {
    const body = await expectError(await postJson("/v1/predict", '{"posts": [{"id": "1", "text": "secret words'), 400, "malformed_json");
    expect(body.error.message).toMatch(/not valid JSON/);
    expect(body.error.message).not.toContain("secret words");
  });

  it("rejects an empty body", async () => {
    await expectError(await postJson("/v1/predict", ""), 400, "empty_body");
  });

  it("rejects a body without posts", async () => {
    const body = await expectError(await postJson("/v1/predict", { texts: ["a"] }), 400, "invalid_request");
    expect(body.error.issues?.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["posts", ""]));
  });

  it("rejects a body that is not an object", async () => {
    await expectError(await postJson("/v1/predict", [1, 2]), 400, "invalid_request");
  });

  it("rejects an empty posts array", async () => {
    const body = await expectError(await postJson("/v1/predict", { posts: [] }), 400, "invalid_request");
    expect(body.error.issues?.[0]).toMatchObject({ path: ["posts"], code: "too_small" });
  });

  it("rejects empty and whitespace-only text, with one issue each", async () => {
    // JavaScript's whitespace (what trim() removes), the odd ones included: the spec's pattern names them all
    for (const text of ["", "   \n\t ", "\u00a0\u3000", "\ufeff", "\u2028\u2029\u205f"]) {
      const body = await expectError(await postJson("/v1/predict", { posts: [post(1, text)] }), 400, "invalid_request");
      expect(body.error.issues, JSON.stringify(text)).toHaveLength(1);
      expect(body.error.issues?.[0]?.path).toEqual(["posts", 0, "text"]);
      expect(body.error.message).toMatch(/empty or only whitespace/);
    }
  });

  it("rejects wrong types with the path of each problem", async () => {
    const body = await expectError(
      await postJson("/v1/predict", { posts: [{ id: 7, text: "ok" }, { id: "b", text: ["x"] }, "nope"], locale: 5 }),
      400,
      "invalid_request",
    );
    const paths = body.error.issues!.map((i) => JSON.stringify(i.path));
    expect(paths).toEqual(expect.arrayContaining(['["posts",0,"id"]', '["posts",1,"text"]', '["posts",2]', '["locale"]']));
  });

  it("rejects duplicate ids and unknown fields", async () => {
    const body = await expectError(
      await postJson("/v1/predict", { posts: [post(1), post(1)], model: "other" }),
      400,
      "invalid_request",
    );
    const messages = body.error.issues!.map((i) => i.message).join(" | ");
    expect(messages).toMatch(/duplicate id "1"/);
    expect(messages).toMatch(/unknown field/);
  });

  it("rejects a malformed locale", async () => {
    await expectError(await postJson("/v1/predict", { posts: [post(1)], locale: "english please" }), 400, "invalid_request");
  });

  it("answers 400 for too many posts (the schema's maxItems)", async () => {
    const posts = Array.from({ length: 33 }, (_, i) => post(i));
    const body = await expectError(await postJson("/v1/predict", { posts }), 400, "invalid_request");
    expect(body.error.issues?.[0]).toMatchObject({ path: ["posts"], code: "too_big" });
    expect(body.error.message).toMatch(/at most 32/);
  });

  it("answers 400 for an oversized post (the schema's maxLength)", async () => {
    const body = await expectError(await postJson("/v1/predict", { posts: [post(1, "a".repeat(10_001))] }), 400, "invalid_request");
    expect(body.error.issues?.[0]?.path).toEqual(["posts", 0, "text"]);
    expect(body.error.message).toMatch(/10000 characters/);
  });

  it("answers 400 when the posts together exceed the per-request character budget", async () => {
    const posts = Array.from({ length: 7 }, (_, i) => post(i, "b".repeat(10_000)));
    const body = await expectError(await postJson("/v1/predict", { posts }), 400, "invalid_request");
    expect(body.error.message).toMatch(/in total/);
  });

  it("answers 413 for a body over the byte limit", async () => {
    const body = await expectError(await postJson("/v1/predict", "x".repeat(1_100_000)), 413, "payload_too_large");
    expect(body.error.message).toMatch(/bytes/);
  });

  it("answers 415 for a non-JSON content type", async () => {
    await expectError(
      await call("/v1/predict", { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" }),
      415,
      "unsupported_media_type",
    );
  });

  it("answers 415 when the Content-Type is missing, saying which one to send", async () => {
    const body = await expectError(await call("/v1/predict", { method: "POST", body: '{"posts":[]}' }), 415, "unsupported_media_type");
    expect(body.error.message).toMatch(/Content-Type: application\/json/);
  });
});

describe("unknown routes", () => {
  it("answers 404 JSON", async () => {
    const body = await expectError(await call("/v2/everything"), 404, "not_found");
    expect(body.error.message).toMatch(/POST \/v1\/predict/);
  });

  it("answers 405 with Allow, not 404, for a known path asked with the wrong method (test/worker/methods.test.ts)", async () => {
    const res = await call("/v1/predict");
    await expectError(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
  });
});

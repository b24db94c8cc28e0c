// Property-based fuzzing of the Worker (fast-check) inside workerd with the real model: requests generated
// from and around the OpenAPI document (its paths, methods and the predict schema's limits), random JSON,
// wrong types, huge/empty/unicode strings (lone surrogates included), random headers, methods and paths.
// Invariants: never a 5xx, and every error is JSON {error: {code, message, request_id}}.
// Bounded (a few hundred requests, model passes kept short) so the file runs in well under 60 s.
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ErrorResponseSchema, PredictResponseSchema } from "../../src/worker/schemas";
import { BASE, newKey } from "./helpers";

type Json = Record<string, any>;

let spec: Json;
let limits: { maxItems: number; maxLength: number };

// A fresh key every 60 requests keeps the per-key rate limit (100/min) from turning the run into 429s.
let key = "";
let used = 0;
async function currentKey(): Promise<string> {
  if (!key || used++ >= 60) {
    key = await newKey("fuzz");
    used = 1;
  }
  return key;
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

async function send(req: Sent): Promise<Response> {
  const init: RequestInit = { method: req.method, headers: req.headers };
  if (req.body !== undefined && req.method !== "GET" && req.method !== "HEAD") init.body = req.body;
  return exports.default.fetch(new Request(`${BASE}${req.path}`, init));
}

/** Status counts per property, to make sure the runs reach the model and not only the validators. */
const seen = new Map<string, number>();

/** The invariants every response must hold. */
async function check(req: Sent, res: Response): Promise<void> {
  const tag = res.status >= 400 ? `${res.status}` : String(res.status);
  seen.set(tag, (seen.get(tag) ?? 0) + 1);
  const text = req.method === "HEAD" ? "" : await res.text();
  const where = `${req.method} ${req.path} → ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  if (res.status >= 400 && req.method !== "HEAD") {
    expect(res.headers.get("content-type"), where).toMatch(/application\/json/);
    const body = ErrorResponseSchema.parse(JSON.parse(text));
    expect(body.error.code.length, where).toBeGreaterThan(0);
    expect(body.error.message.length, where).toBeGreaterThan(10);
    expect(body.error.request_id, where).toBe(res.headers.get("x-request-id"));
  }
  if (res.status === 405) expect(res.headers.get("allow"), where).toMatch(/^[A-Z]+(, [A-Z]+)*$/);
  if (res.status === 200 && req.method === "POST" && req.path === "/v1/predict") {
    PredictResponseSchema.parse(JSON.parse(text));
  }
}

// ------------------------------------------------------------------------------------------ arbitraries

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });

/** Texts a client might really send: unicode graphemes, raw code units (lone surrogates), odd whitespace. */
const validText = () =>
  fc
    .oneof(
      { weight: 6, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 200 }) },
      { weight: 3, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 120 }) }, // lone surrogates, controls, astral
      { weight: 1, arbitrary: fc.constantFrom("\u200b?", "🙂".repeat(40), "I need help. ".repeat(30), "u/someone said e@mail.com 555-123-4567 http://x.y") },
    )
    .filter((t) => t.trim().length > 0);

const validLocale = fc.constantFrom("en", "en-GB", "pt-BR", "fr-FR", "zh-Hant-TW", "xx", "de");

/** A valid PredictRequest (per the spec's limits). */
const validBody = () =>
  fc
    .record(
      {
        posts: fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 20 }), text: validText() }), { minLength: 1, maxLength: 4, selector: (p) => p.id }),
        locale: validLocale,
        explain: fc.boolean(),
      },
      { requiredKeys: ["posts"] },
    )
    // keep the expensive path cheap: explain re-scores each sentence, so explain only one short post
    .map((b) => (b.explain ? { ...b, posts: b.posts.slice(0, 1).map((p) => ({ ...p, text: p.text.slice(0, 150) || "help" })) } : b));

/** One way to break a valid body, probing each field and each limit of the schema. */
const mutation = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => (b: Json) => ({ ...b, posts: v })),
  fc.jsonValue({ maxDepth: 1 }).map((v) => (b: Json) => ({ ...b, posts: [{ ...b.posts[0], id: v }] })),
  fc.jsonValue({ maxDepth: 1 }).map((v) => (b: Json) => ({ ...b, posts: [{ ...b.posts[0], text: v }] })),
  fc.constantFrom("", " ", "\n\t \u00a0").map((t) => (b: Json) => ({ ...b, posts: [{ id: "1", text: t }] })),
  fc.integer({ min: 1, max: 40 }).map((n) => (b: Json) => ({ ...b, posts: [{ id: "1", text: "x".repeat(limits.maxLength + n) }] })),
  fc.integer({ min: 1, max: 8 }).map((n) => (b: Json) => ({ ...b, posts: Array.from({ length: limits.maxItems + n }, (_, i) => ({ id: String(i), text: "hi" })) })),
  fc.constant((b: Json) => ({ ...b, posts: Array.from({ length: 7 }, (_, i) => ({ id: String(i), text: "b".repeat(limits.maxLength) })) })), // over the total
  fc.constant((b: Json) => ({ ...b, posts: [...b.posts, { ...b.posts[0] }] })), // duplicate id
  fc.constant((b: Json) => ({ ...b, posts: [] })),
  fc.constant((b: Json) => ({ locale: b.locale })), // no posts
  fc.oneof(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 0 })).map((v) => (b: Json) => ({ ...b, locale: v })),
  fc.jsonValue({ maxDepth: 0 }).map((v) => (b: Json) => ({ ...b, explain: v })),
  fc.constant((b: Json) => ({ ...b, explain: true, posts: Array.from({ length: 9 }, (_, i) => ({ id: String(i), text: "hi" })) })),
  fc.constant((b: Json) => ({ ...b, explain: true, posts: [{ id: "1", text: "z".repeat(5_000) }] })), // over the explain budget
  fc.tuple(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 })).map(([k, v]) => (b: Json) => ({ ...b, [k === "posts" ? "posts_" : k || "x"]: v })),
  fc.jsonValue({ maxDepth: 1 }).map((v) => (b: Json) => ({ ...b, posts: [{ ...b.posts[0], extra: v }] })),
  fc.jsonValue({ maxDepth: 2 }).map((v) => () => v), // not an object at all
);

/** Bodies around the PredictRequest schema: about half valid, half broken in one place. */
const predictBody = () =>
  fc.tuple(validBody(), fc.option(mutation, { freq: 2 })).map(([b, mutate]) => (mutate ? mutate(b as Json) : b));

const contentType = fc.constantFrom<string | undefined>(
  "application/json",
  "application/json; charset=utf-8",
  "application/problem+json",
  "APPLICATION/JSON",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/jsonx",
  "",
  undefined,
);

// ------------------------------------------------------------------------------------------ properties

beforeAll(async () => {
  const res = await exports.default.fetch(new Request(`${BASE}/openapi.json`));
  spec = (await res.json()) as Json;
  const req = spec.components.schemas.PredictRequest;
  limits = { maxItems: req.properties.posts.maxItems, maxLength: req.properties.posts.items.properties.text.maxLength };
  // one warm request so the first property does not pay for the session creation
  await exports.default.fetch(
    new Request(`${BASE}/v1/predict`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${await currentKey()}` }, body: '{"posts":[{"id":"w","text":"warm up"}]}' }),
  );
});

describe("fuzz: no 5xx, every error is JSON with code and message", () => {
  it("POST /v1/predict with bodies around the PredictRequest schema", async () => {
    await fc.assert(
      fc.asyncProperty(predictBody(), fc.option(fc.constantFrom("en-US,en;q=0.9", "fr", "*", "de-DE;q=0", ";;;", "zz-ZZ")), async (body, acceptLanguage) => {
        const headers: Record<string, string> = { "content-type": "application/json", authorization: `Bearer ${await currentKey()}` };
        if (acceptLanguage) headers["accept-language"] = acceptLanguage;
        const req = { method: "POST", path: "/v1/predict", headers, body: JSON.stringify(body) };
        await check(req, await send(req));
      }),
      { numRuns: 120 },
    );
    // some generated bodies must be valid, or the fuzz never reaches the model, KV and evidence code
    expect(seen.get("200") ?? 0, JSON.stringify(Object.fromEntries(seen))).toBeGreaterThan(10);
    seen.clear();
  });

  it("POST /v1/predict with random JSON, malformed bodies and content types", async () => {
    const body = fc.oneof(
      { weight: 3, arbitrary: fc.json({ maxDepth: 3 }) },
      { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
      { weight: 1, arbitrary: fc.constantFrom("", "{", '{"posts":[{"id":"1","text":"x"}', "null", "[]", '"posts"', "{}".repeat(1000)) },
      { weight: 1, arbitrary: fc.integer({ min: 1_048_577, max: 1_100_000 }).map((n) => "x".repeat(n)) }, // over MAX_BODY_BYTES
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, async (raw, type) => {
        const headers: Record<string, string> = { authorization: `Bearer ${await currentKey()}` };
        if (type !== undefined) headers["content-type"] = type;
        const req = { method: "POST", path: "/v1/predict", headers, body: raw };
        await check(req, await send(req));
      }),
      { numRuns: 150 },
    );
  });

  it("random methods, paths (the spec's and others), headers and bodies", async () => {
    const specPaths = Object.keys(spec.paths);
    const path = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...specPaths, "/openapi.json", "/docs/model-card", "/docs/data-card", "/docs/nope", "/", "/v1", "/v1/", "/v1/predict/", "/metrics?format=json", "/metrics?format=xml", "/health?x=1") },
      { weight: 2, arbitrary: fc.webPath() },
      { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom("/", "%", "2", "e", ".", "v", "1", "?", "&", "=", "#"), maxLength: 20 }).map((p) => `/${p}`) },
    );
    const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
    const auth = fc.oneof(
      fc.constant("valid"),
      fc.constant("none"),
      printable.map((v) => `raw:${v}`),
      printable.map((v) => `bearer:${v}`),
      printable.map((v) => `xkey:${v}`),
    );
    const extraHeaders = fc.dictionary(
      fc.constantFrom("origin", "accept", "accept-language", "x-request-id", "access-control-request-method", "access-control-request-headers", "content-length-hint", "x-forwarded-for", "cookie"),
      printable,
      { maxKeys: 4 },
    );
    const body = fc.option(fc.oneof(fc.json({ maxDepth: 2 }), predictBody().map((b) => JSON.stringify(b)), fc.string({ maxLength: 100 })), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(method, path, auth, extraHeaders, contentType, body, async (m, p, a, extra, type, b) => {
        const headers: Record<string, string> = { ...extra };
        if (type !== undefined) headers["content-type"] = type;
        if (a === "valid") headers.authorization = `Bearer ${await currentKey()}`;
        else if (a.startsWith("raw:")) headers.authorization = a.slice(4);
        else if (a.startsWith("bearer:")) headers.authorization = `Bearer ${a.slice(7)}`;
        else if (a.startsWith("xkey:")) headers["x-api-key"] = a.slice(5);
        const req = { method: m, path: p, headers, body: b };
        await check(req, await send(req));
      }),
      { numRuns: 250 },
    );
  });
});

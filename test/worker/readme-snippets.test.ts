// README's "Calling the API from curl, Python and a mobile app": every snippet checked against the document the
// Worker serves at /openapi.json, so a renamed field, path or auth scheme breaks this test, not a user's app.
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { DEFAULT_CONFIG } from "../../src/worker/config";
import { predictRequestSchema } from "../../src/worker/schemas";
import { callRaw } from "./helpers";

type Json = Record<string, any>;

const section = readme.slice(readme.indexOf("### Calling the API from curl"), readme.indexOf("### Observability"));
const snippets = [...section.matchAll(/```(sh|python|kotlin)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));

/** The fields every snippet reads, as paths into the PredictResponse. */
const READS = [
  ["results", 0, "help_seeking", "label"],
  ["results", 0, "review", "needed"],
  ["notice"],
] as const;

/** The first balanced {...} that holds "posts": the request body, written as JSON in every language. */
function requestBody(code: string): unknown {
  const start = code.lastIndexOf("{", code.indexOf('"posts"'));
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    if (code[i] === "{") depth++;
    if (code[i] === "}" && --depth === 0) return JSON.parse(code.slice(start, i + 1));
  }
  throw new Error("no request body");
}

function resolve(doc: Json, schema: Json): Json {
  return schema.$ref ? resolve(doc, doc.components.schemas[schema.$ref.split("/").pop()]) : schema;
}

/** The schema at `path` inside `schema` (object properties and array items), or undefined. */
function schemaAt(doc: Json, schema: Json, path: ReadonlyArray<string | number>): Json | undefined {
  let s: Json | undefined = resolve(doc, schema);
  for (const key of path) {
    if (!s) return undefined;
    s = typeof key === "number" ? s.items && resolve(doc, s.items) : s.properties?.[key] && resolve(doc, s.properties[key]);
  }
  return s;
}

describe("README API snippets", () => {
  it("has a curl, a Python and a Kotlin snippet", () => {
    expect(snippets.map((s) => s.lang)).toEqual(["sh", "python", "kotlin"]);
  });

  it("each one calls a path and method of the document, with a valid body, a declared auth scheme and fields that exist", async () => {
    const doc = (await (await callRaw("/openapi.json")).json()) as Json;
    const schemes = Object.values(doc.components.securitySchemes as Record<string, Json>);
    const response = doc.paths["/v1/predict"].post.responses["200"].content["application/json"].schema;
    for (const path of READS) expect(schemaAt(doc, response, path), `PredictResponse has ${path.join(".")}`).toBeDefined();
    for (const { lang, code } of snippets) {
      const url = /https:\/\/mhelp\.example\.workers\.dev(\/[\w/]+)/.exec(code);
      expect(url, lang).not.toBeNull();
      expect(doc.paths[url![1]!]?.post, `${lang}: POST ${url![1]} in the document`).toBeDefined();
      const body = requestBody(code);
      expect(predictRequestSchema(DEFAULT_CONFIG).safeParse(body).success, `${lang}: body is a PredictRequest`).toBe(true);
      // the Authorization: Bearer header is the document's http bearer scheme
      expect(code, lang).toMatch(/Authorization["']?\s*[:,]\s*f?["']?Bearer /);
      expect(schemes.some((s) => s.type === "http" && s.scheme === "bearer"), "the document declares bearer auth").toBe(true);
      // the snippet reads each field by the names of its path, in order
      for (const path of READS) {
        const names = (path as ReadonlyArray<string | number>).filter((k): k is string => typeof k === "string");
        expect(code, `${lang} reads ${names.join(".")}`).toMatch(new RegExp(names.map((n) => `\\b${n}\\b`).join("[\\s\\S]*?")));
      }
    }
  });
});

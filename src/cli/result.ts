// The CLI's predict output line is the API's result object (PredictResultSchema, src/worker/schemas.ts):
// primary heads, `aux` nested, `windows`, `review`, `resources` when assess() asks for them. Built with the
// same policy functions as the Worker (src/safety) and checked against the same zod schema, so the two
// surfaces cannot drift apart silently. Posts are read with the API's post schema and limits too.
import type { ChosenProfile } from "../engine/metadata";
import type { Prediction } from "../engine/types";
import type { CrisisResources } from "../safety/crisis-resources";
import { predictResult } from "../worker/predict-result";
import { DEFAULT_MAX_CHARS_PER_POST, predictRequestSchema, PredictResultSchema, type PredictResult } from "../worker/schemas";
import { tooLong, type BadLine, type PostRecord } from "./jsonl";

/** The API's per-post character limit (MAX_CHARS_PER_POST's default); `--max-chars` changes it. */
export const DEFAULT_MAX_CHARS = DEFAULT_MAX_CHARS_PER_POST;

/** Reads one predict input line with the API's rules for a post (string id, non-blank text, no extra fields). */
export function apiPostParser(maxChars: number): (raw: string, line: number) => PostRecord | BadLine {
  // only the post element is used: the request-level limits do not apply to a file of posts
  const limits = { maxPosts: 1, maxCharsPerPost: maxChars, maxTotalChars: maxChars, maxExplainPosts: 1, maxExplainChars: maxChars };
  const post = predictRequestSchema(limits).shape.posts.element;
  return (raw, line) => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return { line, reason: "not valid JSON" };
    }
    if (typeof value === "object" && value !== null && typeof (value as { text?: unknown }).text === "string" && (value as { text: string }).text.length > maxChars) {
      return { line, reason: tooLong(maxChars) }; // one reason for every long post (the API's message carries the length)
    }
    const parsed = post.safeParse(value);
    if (!parsed.success) return { line, reason: parsed.error.issues.map((i) => i.message).join("; ") };
    return { line, id: parsed.data.id, text: parsed.data.text, record: value as Record<string, unknown> };
  };
}

/** The API's result for one post (cached is always false: the CLI has no cache). Throws if it breaks the schema. */
export function toApiResult(
  id: string,
  text: string,
  prediction: Prediction,
  resources: () => CrisisResources,
  digits: number,
  profile?: ChosenProfile,
): PredictResult {
  return PredictResultSchema.parse(predictResult(id, prediction, { cached: false, resources, digits, text, profile }));
}

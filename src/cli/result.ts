// The CLI's predict output line is the API's result object (PredictResultSchema, src/worker/schemas.ts):
// primary heads, `aux` nested, `windows`, `review`, `resources` when assess() asks for them. Built with the
// same policy functions as the Worker (src/safety) and checked against the same zod schema, so the two
// surfaces cannot drift apart silently. Posts are read with the API's post schema and limits too.
import { PRIMARY_TASKS } from "../engine/codebook";
import type { HeadResult as EngineHeadResult, Prediction } from "../engine/types";
import { assess } from "../safety/assessment";
import { crisisResources, type CrisisResources } from "../safety/crisis-resources";
import { DEFAULT_MAX_CHARS_PER_POST, predictRequestSchema, PredictResultSchema, type HeadResult, type PredictResult } from "../worker/schemas";
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

const PRIMARY = new Set<string>(PRIMARY_TASKS);

function round(probs: Record<string, number>, digits: number): Record<string, number> {
  return Object.fromEntries(Object.entries(probs).map(([k, v]) => [k, Number(v.toFixed(digits))]));
}

function head(h: EngineHeadResult | undefined, task: string, digits: number): HeadResult {
  if (!h) throw new Error(`model output lacks head "${task}"`);
  return "label" in h ? { label: h.label, probs: round(h.probs, digits) } : { labels: h.labels, probs: round(h.probs, digits) };
}

/** The API's result for one post (cached is always false: the CLI has no cache). Throws if it breaks the schema. */
export function toApiResult(id: string, prediction: Prediction, resources: () => CrisisResources, digits: number): PredictResult {
  const aux: Record<string, HeadResult> = {};
  for (const task of Object.keys(prediction.heads)) if (!PRIMARY.has(task)) aux[task] = head(prediction.heads[task], task, digits);
  const a = assess(prediction);
  const result = {
    id,
    help_seeking: head(prediction.heads.help_seeking, "help_seeking", digits),
    condition: head(prediction.heads.condition, "condition", digits),
    causes: head(prediction.heads.causes, "causes", digits),
    aux,
    windows: prediction.windows,
    cached: false,
    review: { needed: a.review, reasons: a.review_reasons },
    ...(a.crisis ? { resources: { ...resources(), reasons: a.crisis_reasons } } : {}),
  };
  return PredictResultSchema.parse(result);
}

export function resourcesFor(locale: string | undefined): () => CrisisResources {
  let cached: CrisisResources | null = null;
  return () => (cached ??= crisisResources(locale, undefined));
}

// `mhelp eval`: runs the shipped model (the same Engine as `predict` and the Worker) over labelled posts
// and computes the metrics (metrics.ts, twin of scripts/mhelp_pipeline/evaluate/metrics.py).
// Input lines: {"id", "text", "help_seeking"?: "yes"|"no", "condition"?: label, "causes"?: [labels] | {label: 0|1}}
// (the gold format; a causes list means every other cause is known to be absent, an object gives only the
// known labels, as weak corpus labels do) or the corpus format {"id", "text", "labels": {...}}.
// Bad lines are counted and reported like `predict`, never dropped silently; texts are never written.
// With an explainer (`--evidence`), lines may also carry "help_evidence": [verbatim spans of the text, one per
// annotator] or one such string), and metrics.evidence scores the help-seeking evidence spans against them (evidence-eval.ts).
import type { Engine } from "../engine/engine";
import { taskByKey } from "../engine/codebook";
import type { MultiLabelResult, SingleLabelResult } from "../engine/types";
import { newSummary, skip, type BatchOptions, type BatchSummary } from "./commands";
import { evaluateEvidence, type EvidenceMetrics, type Explainer } from "./evidence-eval";
import { isBad, parsePostLine, readPosts, writeWhole, type BadLine, type PostRecord } from "./jsonl";
import { binaryMetrics, multiLabelMetrics, singleLabelMetrics, type BinaryMetrics, type MultiLabelMetrics, type SingleLabelMetrics } from "./metrics";

export interface Labels {
  help_seeking?: "yes" | "no";
  condition?: string;
  /** label -> 1 (present) / 0 (absent), only for the labels whose value is known */
  causes?: Record<string, 0 | 1>;
}

export interface LabelledPost {
  line: number;
  id: string;
  text: string;
  labels: Labels;
  /** the line's raw "help_evidence" (or labels.help_evidence), read only by --evidence */
  helpEvidence?: unknown;
}

/** What evaluation needs from the engine (a fake one in tests). */
export type Predictor = Pick<Engine, "predict">;

export interface EvalMetrics {
  help_seeking: BinaryMetrics | null;
  condition: SingleLabelMetrics | null;
  causes: MultiLabelMetrics | null;
  /** help-seeking evidence spans vs annotators' evidence; null unless evaluated with --evidence */
  evidence: EvidenceMetrics | null;
}

/** Per-post decisions, written with --predictions (ids and labels only, never text). */
export interface PostDecision {
  id: string;
  help_seeking: string;
  p_yes: number;
  condition: string;
  causes: string[];
}

const CONDITIONS = taskByKey("condition").labels;
const CAUSES = taskByKey("causes").labels;

function parseCauses(value: unknown): Record<string, 0 | 1> | string {
  if (Array.isArray(value)) {
    const bad = value.find((v) => typeof v !== "string" || !CAUSES.includes(v));
    if (bad !== undefined) return `unknown causes label ${JSON.stringify(bad)}`;
    return Object.fromEntries(CAUSES.map((c) => [c, value.includes(c) ? 1 : 0])) as Record<string, 0 | 1>;
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, 0 | 1> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!CAUSES.includes(k)) return `unknown causes label ${JSON.stringify(k)}`;
      if (v !== 0 && v !== 1 && v !== true && v !== false) return `causes.${k} must be 0 or 1`;
      out[k] = v === 1 || v === true ? 1 : 0;
    }
    return out;
  }
  return '"causes" must be a list of labels or an object label -> 0|1';
}

/** Reads the labels of one parsed record; a string is the reason the line is unusable. */
export function parseLabels(record: Record<string, unknown>): Labels | string {
  const src = typeof record.labels === "object" && record.labels !== null && !Array.isArray(record.labels)
    ? (record.labels as Record<string, unknown>)
    : record;
  const labels: Labels = {};
  if (src.help_seeking !== undefined && src.help_seeking !== null) {
    if (src.help_seeking !== "yes" && src.help_seeking !== "no") return '"help_seeking" must be "yes" or "no"';
    labels.help_seeking = src.help_seeking;
  }
  if (src.condition !== undefined && src.condition !== null) {
    if (typeof src.condition !== "string" || !CONDITIONS.includes(src.condition)) {
      return `unknown condition label ${JSON.stringify(src.condition)}`;
    }
    labels.condition = src.condition;
  }
  if (src.causes !== undefined && src.causes !== null) {
    const causes = parseCauses(src.causes);
    if (typeof causes === "string") return causes;
    if (Object.keys(causes).length) labels.causes = causes;
  }
  if (!labels.help_seeking && !labels.condition && !labels.causes) return "no help_seeking, condition or causes label";
  return labels;
}

function toLabelled(post: PostRecord): LabelledPost | BadLine {
  const labels = parseLabels(post.record);
  if (typeof labels === "string") return { line: post.line, reason: labels };
  const nested = post.record.labels as Record<string, unknown> | null | undefined;
  const helpEvidence = post.record.help_evidence ?? (typeof nested === "object" && nested !== null ? nested.help_evidence : undefined);
  return { line: post.line, id: post.id, text: post.text, labels, ...(helpEvidence !== undefined ? { helpEvidence } : {}) };
}

/** The metric arithmetic over posts and their decisions (same order). */
export function computeMetrics(posts: LabelledPost[], decisions: PostDecision[]): EvalMetrics {
  const hs = posts.flatMap((p, i) => (p.labels.help_seeking ? [{ t: p.labels.help_seeking === "yes", d: decisions[i]! }] : []));
  const cond = posts.flatMap((p, i) => (p.labels.condition ? [{ t: p.labels.condition, d: decisions[i]! }] : []));
  const causes = posts.flatMap((p, i) => (p.labels.causes ? [{ t: p.labels.causes, d: decisions[i]! }] : []));
  return {
    help_seeking: hs.length
      ? binaryMetrics(hs.map((x) => x.d.help_seeking === "yes"), hs.map((x) => x.t), hs.map((x) => x.d.p_yes))
      : null,
    condition: cond.length ? singleLabelMetrics(CONDITIONS, cond.map((x) => x.d.condition), cond.map((x) => x.t)) : null,
    causes: causes.length ? multiLabelMetrics(CAUSES, causes.map((x) => x.d.causes), causes.map((x) => x.t)) : null,
    evidence: null,
  };
}

export interface EvalResult {
  summary: BatchSummary;
  metrics: EvalMetrics;
  decisions: PostDecision[];
}

/** Every line was skipped: there is nothing to compute metrics over (the CLI exits 1 and writes no output). */
export class NothingToScoreError extends Error {
  constructor(readonly summary: BatchSummary) {
    super(
      `nothing could be scored: all ${summary.read} records were skipped (see the skipped lines above); ` +
        'each line needs "id", "text" and at least one of "help_seeking", "condition", "causes"',
    );
  }
}

export async function runEval(
  engine: Predictor,
  /** evidence: explains one submitted text (evidence-eval.ts `engineExplainer`); without it metrics.evidence is null */
  opts: Omit<BatchOptions, "output"> & { chunk?: number; predictions?: string; evidence?: Explainer; maxChars?: number },
): Promise<EvalResult> {
  const summary: BatchSummary = newSummary();
  const posts: LabelledPost[] = [];
  const parse = (raw: string, n: number) => parsePostLine(raw, n, { maxChars: opts.maxChars });
  for await (const item of readPosts(opts.input, parse)) {
    summary.read++;
    const post = isBad(item) ? item : toLabelled(item);
    if ("reason" in post) skip(summary, post, opts);
    else posts.push(post);
  }
  if (posts.length === 0) throw new NothingToScoreError(summary);
  const chunk = opts.chunk ?? 32;
  const decisions: PostDecision[] = [];
  const started = Date.now();
  for (let s = 0; s < posts.length; s += chunk) {
    const preds = await engine.predict(posts.slice(s, s + chunk).map((p) => p.text));
    preds.forEach((pred, j) => {
      const hs = pred.heads.help_seeking as SingleLabelResult;
      decisions.push({
        id: posts[s + j]!.id,
        help_seeking: hs.label,
        p_yes: hs.probs.yes ?? NaN,
        condition: (pred.heads.condition as SingleLabelResult).label,
        causes: (pred.heads.causes as MultiLabelResult).labels,
      });
    });
    summary.written = decisions.length;
    opts.log(`evaluated ${decisions.length}/${posts.length} posts (${(decisions.length / Math.max((Date.now() - started) / 1000, 1e-3)).toFixed(1)} posts/s)`);
  }
  if (opts.predictions) await writeWhole(opts.predictions, decisions.map((d) => `${JSON.stringify(d)}\n`).join(""));
  const metrics = computeMetrics(posts, decisions);
  if (opts.evidence) {
    const evidencePosts = posts.map((p, i) => ({
      id: p.id,
      text: p.text,
      help_seeking: p.labels.help_seeking,
      help_evidence: p.helpEvidence,
      predicted: decisions[i]!,
    }));
    metrics.evidence = await evaluateEvidence(evidencePosts, opts.evidence, { log: opts.log });
  }
  return { summary, metrics, decisions };
}

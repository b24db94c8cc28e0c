// The API's result object for one post (PredictResultSchema): the engine's prediction, the safety policy's
// review flags and crisis resources, and the help-seeking evidence when it was asked for. The Worker's predict
// service and the CLI's `predict` build their output with this one function, so the two surfaces agree.
import { PRIMARY_TASKS } from "../engine/codebook";
import type { Evidence } from "../engine/evidence";
import type { ChosenProfile } from "../engine/metadata";
import type { HeadResult as EngineHeadResult, Prediction } from "../engine/types";
import { assess, DEFAULT_POLICY } from "../safety/assessment";
import type { CrisisResources } from "../safety/crisis-resources";
import { nonEnglishLanguage, notEnglishWarning } from "../safety/language";
import type { HeadResult, MultiLabel, PredictResult, SingleLabel } from "./schemas";

export interface ResultOptions {
  /** true when the prediction came from the cache */
  cached: boolean;
  /** the crisis resources for the request's locale; called only when the policy asks for them */
  resources: () => CrisisResources;
  evidence?: Omit<Evidence, "task">;
  /** round probabilities to this many decimals (the CLI's --precision); unrounded when absent */
  digits?: number;
  /** the submitted text, checked for a language other than English (src/safety/language.ts) */
  text: string;
  /** the operating point that decides help_seeking's label: yes iff p(yes) >= threshold (the probabilities
   * stay the model's; cached predictions are profile-independent). Absent: the model's own threshold. */
  profile?: ChosenProfile;
}

const PRIMARY = new Set<string>(PRIMARY_TASKS);

function rounded(probs: Record<string, number>, digits: number | undefined): Record<string, number> {
  if (digits === undefined) return probs;
  return Object.fromEntries(Object.entries(probs).map(([k, v]) => [k, Number(v.toFixed(digits))]));
}

function single(head: EngineHeadResult | undefined, task: string, digits?: number): SingleLabel {
  if (!head || !("label" in head)) throw new Error(`model output lacks single-label head "${task}"`);
  return { label: head.label, probs: rounded(head.probs, digits) };
}

function multi(head: EngineHeadResult | undefined, task: string, digits?: number): MultiLabel {
  if (!head || !("labels" in head)) throw new Error(`model output lacks multi-label head "${task}"`);
  return { labels: head.labels, probs: rounded(head.probs, digits) };
}

/** help_seeking as the chosen profile decides it. */
function helpSeeking(head: EngineHeadResult | undefined, opts: ResultOptions): SingleLabel {
  const base = single(head, "help_seeking", opts.digits);
  if (!opts.profile || !head || !("label" in head)) return base;
  const yes = head.probs.yes;
  if (yes === undefined) throw new Error('model output lacks p(help_seeking = "yes")');
  return { ...base, label: yes >= opts.profile.threshold ? "yes" : "no" };
}

export function predictResult(id: string, prediction: Prediction, opts: ResultOptions): PredictResult {
  const aux: Record<string, HeadResult> = {};
  for (const [task, head] of Object.entries(prediction.heads)) {
    if (!PRIMARY.has(task)) aux[task] = "label" in head ? single(head, task, opts.digits) : multi(head, task, opts.digits);
  }
  const language = nonEnglishLanguage(opts.text);
  const a = assess(prediction, DEFAULT_POLICY, language);
  return {
    id,
    help_seeking: helpSeeking(prediction.heads.help_seeking, opts),
    condition: single(prediction.heads.condition, "condition", opts.digits),
    causes: multi(prediction.heads.causes, "causes", opts.digits),
    aux,
    windows: prediction.windows,
    cached: opts.cached,
    review: { needed: a.review, reasons: a.review_reasons },
    ...(a.crisis ? { resources: { ...opts.resources(), reasons: a.crisis_reasons } } : {}),
    ...(opts.evidence ? { evidence: { task: "help_seeking" as const, ...opts.evidence } } : {}),
    ...(language ? { warnings: [notEnglishWarning(language)] } : {}),
    ...(opts.profile ? { profile: opts.profile.name } : {}),
  };
}

// What a prediction means for the humans who read it: when to show crisis resources and when to ask for
// human review. Pure functions over calibrated probabilities so every surface applies the same policy.
import type { Prediction, SingleLabelResult } from "../engine/types";

export const NOTICE =
  "mhelp is decision support for trained humans, not a diagnosis. Probabilities come from a statistical model and can be wrong; never use them as the only signal about a person's safety.";

export interface SafetyPolicy {
  /** p(condition = suicidal) at or above which crisis resources are attached */
  suicidalProbability: number;
  /** p(help_seeking = yes) at or above which crisis resources are attached */
  helpSeekingProbability: number;
  /** calibrated p(help_seeking = yes) inside [low, high] is too uncertain to act on without review */
  uncertainBand: readonly [number, number];
  /** a condition whose top probability is below this is flagged for review */
  minConditionConfidence: number;
  /**
   * Posts with fewer content tokens say too little to judge a condition (the model was trained on posts,
   * and near-empty input drifts towards the majority crisis class): they are sent to review instead.
   */
  minTokens: number;
}

export const DEFAULT_POLICY: SafetyPolicy = {
  suicidalProbability: 0.5,
  helpSeekingProbability: 0.85,
  uncertainBand: [0.35, 0.65],
  minConditionConfidence: 0.4,
  minTokens: 4,
};

export interface Assessment {
  crisis: boolean;
  crisis_reasons: string[];
  review: boolean;
  review_reasons: string[];
}

/** `nonEnglish`: the post's language when language.ts judges it not English (a review reason of its own). */
export function assess(prediction: Prediction, policy: SafetyPolicy = DEFAULT_POLICY, nonEnglish?: string): Assessment {
  const help = prediction.heads.help_seeking as SingleLabelResult | undefined;
  const condition = prediction.heads.condition as SingleLabelResult | undefined;
  const crisisReasons: string[] = [];
  const reviewReasons: string[] = [];
  const pYes = help?.probs.yes ?? 0;
  const pSuicidal = condition?.probs.suicidal ?? 0;
  const tooShort = prediction.tokens < policy.minTokens;
  if (tooShort) reviewReasons.push("too_short");
  else if (condition?.label === "suicidal" || pSuicidal >= policy.suicidalProbability) crisisReasons.push("condition_suicidal");
  if (pYes >= policy.helpSeekingProbability) crisisReasons.push("help_seeking_high_confidence");
  const [low, high] = policy.uncertainBand;
  if (help && pYes >= low && pYes <= high) reviewReasons.push("help_seeking_uncertain");
  if (condition && Math.max(...Object.values(condition.probs)) < policy.minConditionConfidence) reviewReasons.push("condition_uncertain");
  if (crisisReasons.includes("condition_suicidal")) reviewReasons.push("possible_risk");
  if (nonEnglish) reviewReasons.push("not_english");
  return { crisis: crisisReasons.length > 0, crisis_reasons: crisisReasons, review: reviewReasons.length > 0, review_reasons: reviewReasons };
}

// Posts not in English. The model learned English posts only; a request for help in another language comes out
// as `no`/`none` with nothing to say so. Every post is checked with franc-min (trigram language identification,
// 82 languages), whatever `locale` the caller sends; a post judged confidently not English gets a review reason
// and a per-post warning (src/worker/predict-result.ts).
import { francAll } from "franc-min";

/** franc's relative score of English (the best language scores 1) below which a post is called not English.
 * On 3,000 English silver posts 1 is flagged at 0.85 (3 at 0.95); Spanish, French, German and Portuguese
 * requests for help score English at 0.62-0.71. */
export const MAX_ENGLISH_SCORE_OF_A_NON_ENGLISH_POST = 0.85;
/** Shorter texts are not judged (trigram statistics of a few words are noise). */
export const MIN_CHARS_TO_JUDGE_LANGUAGE = 40;

/** The ISO 639-3 code of the post's language when it is confidently not English; undefined otherwise. */
export function nonEnglishLanguage(text: string): string | undefined {
  const ranked = francAll(text, { minLength: MIN_CHARS_TO_JUDGE_LANGUAGE });
  const [top] = ranked[0] ?? ["und"];
  if (top === "eng" || top === "und") return undefined;
  const english = ranked.find(([code]) => code === "eng")?.[1] ?? 0;
  return english < MAX_ENGLISH_SCORE_OF_A_NON_ENGLISH_POST ? top : undefined;
}

export function notEnglishWarning(language: string): string {
  return `this post looks like another language than English (ISO 639-3 "${language}"): the model was trained on English posts, so its predictions are unreliable; read the post itself`;
}

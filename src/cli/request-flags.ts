// The flags `mhelp predict` and `mhelp jobs submit` share with the API's request options: --locale and
// --profile, checked by the API's own rules (src/worker/schemas.ts LOCALE_RE, src/engine/metadata.ts PROFILES)
// before anything is read or sent.
import { PROFILES, type Profile } from "../engine/metadata";
import { LOCALE_RE } from "../worker/schemas";
import { UserError } from "./jsonl";

/** --locale: a BCP 47 tag, or undefined when the flag is absent. */
export function localeFlag(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const locale = String(value);
  if (!LOCALE_RE.test(locale)) throw new UserError(`--locale must be a BCP 47 tag such as "en" or "en-GB" (got ${JSON.stringify(locale)})`);
  return locale;
}

/** --profile: one of the model's operating points, or undefined when the flag is absent. */
export function profileFlag(value: unknown): Profile | undefined {
  if (value === undefined) return undefined;
  const profile = String(value);
  if (!(PROFILES as readonly string[]).includes(profile)) throw new UserError(`--profile must be one of ${PROFILES.join(", ")} (got ${JSON.stringify(profile)})`);
  return profile as Profile;
}

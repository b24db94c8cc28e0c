// Crisis resources shown with predictions that suggest risk. The table is data (data/crisis-resources.json,
// with a source per entry and a review date), chosen by the request's `locale` or its Accept-Language
// header; anything unknown falls back to the international directory, never to nothing.
import table from "../../data/crisis-resources.json";

export interface CrisisResource {
  name: string;
  kind: "phone" | "text" | "web";
  contact: string;
  hours: string;
  source: string;
}

export interface CrisisResources {
  country: string;
  name: string;
  emergency: string;
  resources: CrisisResource[];
  /** always included so a client can link to a directory for other countries */
  international: CrisisResource[];
  last_reviewed: string;
  note: string;
}

type CountryEntry = { name: string; emergency: string; resources: CrisisResource[] };
const countries = table.countries as Record<string, CountryEntry>;
const languageDefaults = table.language_defaults as Record<string, string>;

/** Country for one BCP 47 tag ("en-GB" → GB, "fr" → FR, "en" → null). */
export function countryForTag(tag: string): string | null {
  const parts = tag.trim().replace(/_/g, "-").split("-");
  const language = parts[0]?.toLowerCase() ?? "";
  const region = parts.slice(1).find((p) => /^[A-Za-z]{2}$/.test(p))?.toUpperCase();
  if (region && countries[region]) return region;
  if (!region && languageDefaults[language]) return languageDefaults[language]!;
  return null;
}

/** Picks a country from an explicit locale first, then Accept-Language in q order. */
export function resolveCountry(locale?: string | null, acceptLanguage?: string | null): string | null {
  if (locale) {
    const c = countryForTag(locale);
    if (c) return c;
  }
  if (acceptLanguage) {
    const tags = acceptLanguage
      .split(",")
      .map((part, i) => {
        const [tag, ...params] = part.trim().split(";");
        const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
        return { tag: tag ?? "", q: q ? Number(q.slice(2)) || 0 : 1, i };
      })
      .filter((t) => t.tag && t.tag !== "*" && t.q > 0)
      .sort((a, b) => b.q - a.q || a.i - b.i);
    for (const t of tags) {
      const c = countryForTag(t.tag);
      if (c) return c;
    }
  }
  return null;
}

export function crisisResources(locale?: string | null, acceptLanguage?: string | null): CrisisResources {
  const code = resolveCountry(locale, acceptLanguage);
  const entry = code ? countries[code]! : (table.international as CountryEntry);
  return {
    country: code ?? "international",
    name: entry.name,
    emergency: entry.emergency,
    resources: entry.resources,
    international: (table.international as CountryEntry).resources,
    last_reviewed: table.last_reviewed,
    note: table.emergency_note,
  };
}

/** crisisResources for one request or run, looked up once and only when a result asks for them. */
export function lazyCrisisResources(locale?: string | null, acceptLanguage?: string | null): () => CrisisResources {
  let resolved: CrisisResources | null = null;
  return () => (resolved ??= crisisResources(locale, acceptLanguage));
}

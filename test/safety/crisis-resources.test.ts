// src/safety/crisis-resources.ts: the crisis-line table and how a request's locale picks from it.
import { describe, expect, it } from "vitest";
import table from "../../data/crisis-resources.json";
import { countryForTag, crisisResources, resolveCountry } from "../../src/safety/crisis-resources";

describe("crisis resources", () => {
  it("every entry names its source and the table its review date", () => {
    expect(table.last_reviewed).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const c of Object.values(table.countries)) for (const r of c.resources) expect(r.source).toMatch(/^https:\/\//);
  });

  it.each([
    ["en-GB", "GB"],
    ["en_us", "US"],
    ["fr", "FR"],
    ["fr-CA", "CA"],
    ["de-AT", null],
    ["en", null],
    ["zz-ZZ", null],
  ])("locale %s → %s", (tag, expected) => {
    expect(countryForTag(tag)).toBe(expected);
  });

  it("an explicit locale wins over Accept-Language, which is read in q order", () => {
    expect(resolveCountry("en-AU", "en-GB,en;q=0.9")).toBe("AU");
    expect(resolveCountry(undefined, "en;q=0.5, en-NZ;q=0.8, *;q=0.1")).toBe("NZ");
    expect(resolveCountry(undefined, "xx, en-IE;q=0.3")).toBe("IE");
    expect(resolveCountry(undefined, undefined)).toBeNull();
  });

  it("unknown places fall back to the international directory", () => {
    const r = crisisResources("pt-BR");
    expect(r.country).toBe("international");
    expect(r.resources.length).toBeGreaterThan(0);
    expect(crisisResources("en-US").resources.some((x) => x.contact.includes("988"))).toBe(true);
  });
});

// src/engine/person-names.json is generated from pinned packages (scripts/build-name-lexicon.mjs); this
// fails when the committed file differs from what the installed packages give, or when a list is empty.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script without type declarations
import { buildLexicon, serialise } from "../../scripts/build-name-lexicon.mjs";
import words from "../../src/engine/redaction-words.json";

const committedPath = new URL("../../src/engine/person-names.json", import.meta.url);

describe("person-name lexicon", () => {
  it("is exactly what scripts/build-name-lexicon.mjs generates from the pinned packages", () => {
    expect(readFileSync(committedPath, "utf8")).toBe(serialise(buildLexicon()));
  });

  it("separates names that are common words from the rest", () => {
    const lex = buildLexicon() as { first_names: string[]; ambiguous_first_names: string[]; us_states: string[] };
    expect(lex.first_names.length).toBeGreaterThan(5000);
    expect(lex.first_names).toContain("Sarah");
    expect(lex.ambiguous_first_names).toEqual(expect.arrayContaining(["Will", "Grace", "Mark"]));
    expect(lex.first_names).not.toContain("Will");
    expect(lex.us_states).toContain("Texas");
  });

  it("context word lists are plain words (they become regex alternations)", () => {
    for (const w of [...words.relations, ...words.titles, ...words.place_prepositions]) expect(w).toMatch(/^[A-Za-z][A-Za-z -]*$/);
  });
});

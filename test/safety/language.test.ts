// Language check of every post (src/safety/language.ts) on texts written for the test.
import { describe, expect, it } from "vitest";
import { nonEnglishLanguage } from "../../src/safety/language";

describe("nonEnglishLanguage", () => {
  it("names the language of requests for help written in other languages", () => {
    expect(nonEnglishLanguage("Necesito ayuda, no sé qué hacer con mi ansiedad. ¿Alguien me puede dar consejos, por favor?")).toMatch(/^(spa|por|cat|glg)$/);
    expect(nonEnglishLanguage("Je cherche de l'aide, je ne sais plus quoi faire avec mon anxiété depuis des mois.")).toBe("fra");
    expect(nonEnglishLanguage("Ich brauche Hilfe, ich weiß nicht mehr weiter mit meiner Angst und schlafe kaum noch.")).toBe("deu");
  });

  it("leaves English alone, informal and misspelt English included, and does not judge very short texts", () => {
    expect(nonEnglishLanguage("I need help with my anxiety, I don't know what to do anymore. Can anyone give me advice?")).toBeUndefined();
    expect(nonEnglishLanguage("lol idk what to do anymore tbh my gf left and im just so done with everything rn")).toBeUndefined();
    expect(nonEnglishLanguage("ayuda por favor")).toBeUndefined(); // under MIN_CHARS_TO_JUDGE_LANGUAGE
  });
});

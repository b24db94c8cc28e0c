// Long posts are split into overlapping windows with the model's own tokenizer and never truncated.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { WindowTokenizer } from "../../src/engine/windows";

const tokenizerJson = JSON.parse(readFileSync(new URL("../../models/default/tokenizer.json", import.meta.url), "utf8"));
const meta = JSON.parse(readFileSync(new URL("../../models/default/model.json", import.meta.url), "utf8"));

describe("WindowTokenizer", () => {
  const tok = new WindowTokenizer(tokenizerJson, meta.max_length, meta.stride);
  const cls = tok.encode("[CLS]")[0];

  it("uses the BERT tokenizer from tokenizer.json (lower-cased WordPiece)", () => {
    const ids = tok.encode("Unbelievably anxious");
    expect(ids.length).toBeGreaterThan(2); // "unbelievably" is split into word pieces
    expect(tok.encode("ANXIOUS")).toEqual(tok.encode("anxious"));
  });

  it("a short post is one window wrapped in [CLS] … [SEP]", () => {
    const w = tok.windows("I need advice, please.");
    expect(w.windows).toHaveLength(1);
    expect(w.windows[0]!.ids[0]).toBe(cls);
    expect(w.windows[0]!.ids.length).toBe(w.tokens + 2);
  });

  it("an empty post still yields one window", () => {
    const w = tok.windows("");
    expect(w.windows).toHaveLength(1);
    expect(w.tokens).toBe(0);
    expect(w.windows[0]!.ids).toHaveLength(2);
  });

  it("a long post is covered by overlapping windows of at most max_length tokens", () => {
    const text = Array.from({ length: 400 }, (_, i) => `word${i % 37} feels`).join(" ");
    const content = tok.encode(text);
    const w = tok.windows(text);
    const size = meta.max_length - 2;
    expect(w.tokens).toBe(content.length);
    expect(w.windows.length).toBe(Math.ceil((content.length - meta.stride) / (size - meta.stride)));
    for (const win of w.windows) expect(win.ids.length).toBeLessThanOrEqual(meta.max_length);
    // consecutive windows overlap by exactly `stride` tokens and together cover every token
    const step = size - meta.stride;
    w.windows.forEach((win, k) => expect(win.ids.slice(1, -1)).toEqual(content.slice(k * step, k * step + size)));
    const last = w.windows.at(-1)!;
    expect((w.windows.length - 1) * step + last.contentTokens).toBe(content.length);
  });
});

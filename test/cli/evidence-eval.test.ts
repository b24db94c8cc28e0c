// `mhelp eval --evidence`: the span-scoring arithmetic (overlap, token F1, bootstrap) on hand-written strings,
// the aggregation over fake evidence results, and the wiring into runEval with a fake predictor and explainer.
// No real model is loaded here. Every text is written for the test.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runEval, type Predictor } from "../../src/cli/evaluate";
import {
  aggregateEvidence,
  bootstrapMeanCI,
  engineExplainer,
  evaluateEvidence,
  locateSpans,
  mulberry32,
  quantile,
  rangesOverlap,
  scorePost,
  tokenF1,
  tokens,
  type EvidencePost,
  type Explainer,
  type Range,
  type ScoredPost,
} from "../../src/cli/evidence-eval";
import type { Engine } from "../../src/engine/engine";
import type { Evidence } from "../../src/engine/evidence";
import type { Prediction } from "../../src/engine/types";

/** Range of the first occurrence of `part` in `text` (the test's own helper, independent of locateSpans). */
function at(text: string, part: string): Range {
  const start = text.indexOf(part);
  if (start < 0) throw new Error(`test bug: "${part}" not in text`);
  return { start, end: start + part.length };
}

function evidence(spans: Range[], sentencesScored = 3, sentencesTotal = 3): Evidence {
  return { task: "help_seeking", score: 0.9, spans: spans.map((s, i) => ({ ...s, weight: 0.5 - i * 0.1, request: 0.5 - i * 0.1, p_alone: 0.5 })), sentences_scored: sentencesScored, sentences_total: sentencesTotal };
}

describe("evidence scoring: tokens and token F1", () => {
  it("tokens are lower-cased runs of [a-z0-9']", () => {
    expect(tokens("I can't SLEEP -- 2 nights, help!")).toEqual(["i", "can't", "sleep", "2", "nights", "help"]);
    expect(tokens("… — !!")).toEqual([]);
  });

  it("F1 counts repeated tokens as a multiset, not a set", () => {
    // set overlap would give 1; as multisets only one "help" matches: P = 1/3, R = 1 -> F1 = 0.5
    expect(tokenF1(["help", "help", "help"], ["help"])).toBeCloseTo(0.5, 12);
    expect(tokenF1(["help"], ["help", "help", "help"])).toBeCloseTo(0.5, 12);
    // overlap 2 (one "the", one "cat") of 4 predicted and 3 gold: P = 1/2, R = 2/3 -> F1 = 4/7
    expect(tokenF1(["the", "the", "cat", "ran"], ["the", "cat", "sat"])).toBeCloseTo(4 / 7, 12);
    expect(tokenF1(["a", "b"], ["b", "a"])).toBe(1);
  });

  it("F1 is 0 with no common token or an empty side", () => {
    expect(tokenF1(["x"], ["y"])).toBe(0);
    expect(tokenF1([], ["y"])).toBe(0);
    expect(tokenF1(["x"], [])).toBe(0);
  });
});

describe("evidence scoring: ranges", () => {
  it("ranges that only touch do not overlap", () => {
    expect(rangesOverlap({ start: 0, end: 5 }, { start: 5, end: 9 })).toBe(false);
    expect(rangesOverlap({ start: 5, end: 9 }, { start: 0, end: 5 })).toBe(false);
    expect(rangesOverlap({ start: 0, end: 6 }, { start: 5, end: 9 })).toBe(true);
    expect(rangesOverlap({ start: 2, end: 3 }, { start: 0, end: 9 })).toBe(true);
    expect(rangesOverlap({ start: 0, end: 2 }, { start: 7, end: 9 })).toBe(false);
  });

  it("locates annotator spans verbatim, first occurrence, skipping empty ones", () => {
    const text = "Help me. I said help me twice.";
    const located = locateSpans(text, ["help me", "Help me", "", "   ", "not in the post", 7]);
    expect(located.found).toEqual([
      { start: 16, end: 23 }, // case-sensitive: "help me" first occurs in the second sentence
      { start: 0, end: 7 },
    ]);
    expect(located.notFound).toBe(1);
    expect(located.malformed).toBe(true); // the 7
    expect(locateSpans(text, undefined)).toEqual({ found: [], notFound: 0, malformed: false });
    // one string is one annotator's span (the silver file's format)
    expect(locateSpans(text, "Help me")).toEqual({ found: [{ start: 0, end: 7 }], notFound: 0, malformed: false });
    expect(locateSpans(text, "")).toEqual({ found: [], notFound: 0, malformed: false });
    expect(locateSpans(text, 7)).toEqual({ found: [], notFound: 0, malformed: true });
  });
});

describe("evidence scoring: one post", () => {
  const text = "I feel lost. Can anyone help me? Thanks for reading.";
  const top = at(text, "Can anyone help me?");

  it("a top span overlapping an annotator span is a hit; F1 is the best over annotators", () => {
    const s = scorePost(text, top, [at(text, "I feel lost."), at(text, "anyone help me")]);
    expect(s.hit).toBe(true);
    // top tokens can anyone help me (4) vs anyone help me (3): P = 3/4, R = 1 -> 6/7
    expect(s.f1).toBeCloseTo(6 / 7, 12);
  });

  it("an annotator span that touches the top span without overlapping it is a miss", () => {
    const before = at(text, "I feel lost. "); // ends exactly where the top span starts
    expect(before.end).toBe(top.start);
    const s = scorePost(text, top, [before]);
    expect(s.hit).toBe(false);
    expect(s.f1).toBe(0);
  });

  it("no span from the engine is a miss with F1 0", () => {
    expect(scorePost(text, null, [at(text, "anyone help me")])).toEqual({ hit: false, f1: 0 });
  });

  it("a repeated annotator span is located at its first occurrence", () => {
    const t = "Please help. Honestly, please help.";
    const second = { start: t.lastIndexOf("Honestly"), end: t.length };
    const gold = locateSpans(t, ["help"]).found;
    expect(gold).toEqual([{ start: 7, end: 11 }]);
    expect(scorePost(t, second, gold).hit).toBe(false);
    expect(scorePost(t, second, gold).f1).toBeCloseTo(0.5, 12); // "help" among 3 top tokens vs 1 gold: P 1/3, R 1
  });
});

describe("evidence scoring: bootstrap", () => {
  it("mulberry32 is deterministic per seed and pinned to the reference algorithm", () => {
    const a = mulberry32(0);
    expect([a(), a(), a()]).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
    expect(mulberry32(12345)()).toBe(0.9797282677609473);
    const b = mulberry32(7);
    for (let i = 0; i < 1000; i++) {
      const x = b();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it("quantile interpolates linearly between order statistics", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([5], 0.3)).toBe(5);
  });

  it("percentile CI of a mean: reproducible, degenerate when all values agree, null when empty", () => {
    const values = [...Array(60).fill(1), ...Array(40).fill(0)] as number[];
    const ci = bootstrapMeanCI(values)!;
    expect(ci).toEqual(bootstrapMeanCI(values)); // same seed, same interval
    expect(ci).toMatchObject({ level: 0.95, resamples: 1000, seed: 0 });
    expect(ci.low).toBeLessThan(0.6);
    expect(ci.high).toBeGreaterThan(0.6);
    // binomial standard error sqrt(.6 * .4 / 100) ≈ 0.049: the 95% interval is about ±0.096
    expect(ci.high - ci.low).toBeGreaterThan(0.15);
    expect(ci.high - ci.low).toBeLessThan(0.24);
    expect(bootstrapMeanCI(values, { seed: 1 })).not.toEqual(ci);
    expect(bootstrapMeanCI([1, 1, 1])).toMatchObject({ low: 1, high: 1 });
    expect(bootstrapMeanCI([])).toBeNull();
  });
});

describe("evidence aggregation", () => {
  const sp = (hit: boolean, f1: number, predictedYes: boolean, extra: Partial<ScoredPost> = {}): ScoredPost => ({ hit, f1, predictedYes, noSpan: false, capped: false, ...extra });

  it("aggregates hand-computed values", () => {
    const m = aggregateEvidence(
      [sp(true, 1, true), sp(true, 0.5, false), sp(false, 0, true, { noSpan: true }), sp(false, 0.25, true, { capped: true })],
      { skippedNoSpan: 3, spansNotFound: 2 },
    );
    expect(m).toMatchObject({
      n: 4,
      skipped_no_span: 3,
      top_span_hit_rate: 0.5,
      token_f1: 0.4375, // (1 + 0.5 + 0 + 0.25) / 4
      posts_without_engine_span: 1,
      posts_sentence_capped: 1,
      annotator_spans_not_found: 2,
      predicted_yes: { n: 3, top_span_hit_rate: 1 / 3 },
    });
    expect(m.top_span_hit_rate_ci!.low).toBeGreaterThanOrEqual(0);
    expect(m.top_span_hit_rate_ci!.high).toBeLessThanOrEqual(1);
    expect(m.top_span_hit_rate_ci!.low).toBeLessThanOrEqual(0.5);
    expect(m.top_span_hit_rate_ci!.high).toBeGreaterThanOrEqual(0.5);
  });

  it("nothing scored: rates are null, not NaN", () => {
    const m = aggregateEvidence([], { skippedNoSpan: 2, spansNotFound: 0 });
    expect(m).toMatchObject({ n: 0, skipped_no_span: 2, top_span_hit_rate: null, top_span_hit_rate_ci: null, token_f1: null, predicted_yes: { n: 0, top_span_hit_rate: null } });
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});

// Posts for evaluateEvidence and runEval, and the evidence a fake explainer returns for each.
const T = {
  hit: "I keep crying at work. What should I do? Any advice is welcome.",
  miss: "My dog died last week. I cannot stop thinking about it. Has anyone else felt this?",
  none: "How do I find a therapist near me?",
  capped: "Exams are close. I panic every night. Does anyone have tips? I study all day.",
  noSpanGold: "Someone please tell me how to cope with this.",
  notFound: "Is it normal to feel numb all the time?",
  goldNo: "Lovely sunny day at the beach today.",
};
const EXPLAINED: Record<string, Evidence> = {
  [T.hit]: evidence([at(T.hit, "What should I do?"), at(T.hit, "I keep crying at work.")]),
  [T.miss]: evidence([at(T.miss, "My dog died last week.")]),
  [T.none]: evidence([], 1, 1),
  [T.capped]: evidence([at(T.capped, "I panic every night.")], 12, 14),
};

function fakeExplainer(calls: Array<{ text: string; score: number | undefined }>): Explainer {
  return async (text, score) => {
    calls.push({ text, score });
    const e = EXPLAINED[text];
    if (!e) throw new Error("explainer called for a post that should not be scored");
    return e;
  };
}

const POSTS: EvidencePost[] = [
  { id: "hit", text: T.hit, help_seeking: "yes", help_evidence: ["What should I do", "Any advice", "nowhere in the post"], predicted: { help_seeking: "yes", p_yes: 0.9 } },
  { id: "miss", text: T.miss, help_seeking: "yes", help_evidence: ["Has anyone else felt this?"], predicted: { help_seeking: "yes", p_yes: 0.7 } },
  { id: "none", text: T.none, help_seeking: "yes", help_evidence: ["find a therapist"], predicted: { help_seeking: "no", p_yes: 0.3 } },
  { id: "capped", text: T.capped, help_seeking: "yes", help_evidence: ["Does anyone have tips?", "I panic every night."], predicted: { help_seeking: "yes", p_yes: 0.8 } },
  { id: "noSpanGold", text: T.noSpanGold, help_seeking: "yes", help_evidence: ["", "  "], predicted: { help_seeking: "yes", p_yes: 0.95 } },
  { id: "notFound", text: T.notFound, help_seeking: "yes", help_evidence: ["feel numb all day"], predicted: { help_seeking: "yes", p_yes: 0.6 } },
  { id: "missing", text: T.notFound, help_seeking: "yes", predicted: { help_seeking: "yes", p_yes: 0.6 } },
  { id: "goldNo", text: T.goldNo, help_seeking: "no", help_evidence: ["sunny day"], predicted: { help_seeking: "no", p_yes: 0.05 } },
];

// hit: top "What should I do?" overlaps "What should I do" -> hit; tokens what should i do (4) vs (4) -> F1 1
// miss: top "My dog died last week." vs "Has anyone else felt this?" -> miss, F1 0
// none: no engine span -> miss, F1 0
// capped: top "I panic every night." equals the second annotator span -> hit, F1 1
const EXPECTED = {
  n: 4,
  skipped_no_span: 3, // noSpanGold (only empty spans), notFound, missing
  top_span_hit_rate: 0.5,
  token_f1: 0.5,
  posts_without_engine_span: 1,
  posts_sentence_capped: 1,
  annotator_spans_not_found: 2, // "nowhere in the post", "feel numb all day"
  predicted_yes: { n: 3, top_span_hit_rate: 2 / 3 },
};

describe("evidence evaluation with a fake explainer", () => {
  it("scores gold-yes posts with a findable span, passing the submitted text and the post's p(yes)", async () => {
    const calls: Array<{ text: string; score: number | undefined }> = [];
    const logs: string[] = [];
    const m = await evaluateEvidence(POSTS, fakeExplainer(calls), { log: (l) => logs.push(l) });
    expect(m).toMatchObject(EXPECTED);
    expect(calls).toEqual([
      { text: T.hit, score: 0.9 },
      { text: T.miss, score: 0.7 },
      { text: T.none, score: 0.3 },
      { text: T.capped, score: 0.8 },
    ]);
    for (const l of logs) for (const t of Object.values(T)) expect(l).not.toContain(t);
  });

  it("engineExplainer calls helpSeekingEvidence like the API: known score, one pass over the sentences alone", async () => {
    const text = "Nice weather. Can anyone help me? I am so tired.";
    const passes: string[][] = [];
    const fake = {
      heads: [{ task: "help_seeking", kind: "single_label", labels: ["no", "yes"], temperature: 1, thresholds: [0.5], aggregation: "token_mean" }],
      predict: async (texts: string[]): Promise<Prediction[]> => {
        passes.push(texts);
        return texts.map((t) => {
          const yes = t.includes("help") ? 0.9 : 0.2;
          return { heads: { help_seeking: { label: yes >= 0.5 ? "yes" : "no", probs: { no: 1 - yes, yes } } }, windows: 1, tokens: 5 };
        });
      },
    } as unknown as Engine;
    const e = await engineExplainer(fake)(text, 0.9);
    expect(passes).toHaveLength(1); // the whole post's score was given: no pass for it
    expect(passes[0]![0]).toBe("Can anyone help me?"); // the best request score first
    expect([...passes[0]!].sort()).toEqual(["Can anyone help me?", "I am so tired.", "Nice weather."]);
    expect(e.spans[0]).toMatchObject(at(text, "Can anyone help me?"));
    expect(e.spans[0]!.p_alone).toBe(0.9); // that sentence's own p(yes)
  });
});

describe("runEval --evidence", () => {
  const dir = mkdtempSync(join(tmpdir(), "mhelp-evidence-eval-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function predictor(): Predictor {
    const byText = new Map(POSTS.map((p) => [p.text, p.predicted]));
    return {
      predict: async (texts: string[]): Promise<Prediction[]> =>
        texts.map((t) => {
          const d = byText.get(t)!;
          return {
            heads: {
              help_seeking: { label: d.help_seeking, probs: { no: 1 - d.p_yes, yes: d.p_yes } },
              condition: { label: "none", probs: {} },
              causes: { labels: [], probs: {} },
            },
            windows: 1,
            tokens: 10,
          };
        }),
    };
  }

  const lines = POSTS.map((p, i) =>
    JSON.stringify(
      i === 1
        ? { id: p.id, text: p.text, labels: { help_seeking: p.help_seeking, help_evidence: p.help_evidence } } // corpus format
        : { id: p.id, text: p.text, help_seeking: p.help_seeking, ...(p.help_evidence !== undefined ? { help_evidence: p.help_evidence } : {}), annotators: ["a1", "a2"] },
    ),
  );

  it("writes metrics.evidence only with an explainer, from the same decisions", async () => {
    const input = join(dir, "labelled.jsonl");
    // one more gold-yes line whose help_evidence is neither a list nor a string: still a valid eval line, counted in
    // skipped_no_span
    writeFileSync(input, [...lines, JSON.stringify({ id: "bad", text: T.goldNo, help_seeking: "yes", help_evidence: { a1: "sunny day" } })].join("\n"));
    const calls: Array<{ text: string; score: number | undefined }> = [];
    const logs: string[] = [];
    const withEv = await runEval(predictor(), { input, strict: false, log: (l) => logs.push(l), evidence: fakeExplainer(calls) });
    expect(withEv.summary).toMatchObject({ read: 9, written: 9, skipped: 0 });
    expect(withEv.metrics.evidence).toMatchObject({ ...EXPECTED, skipped_no_span: 4 });
    expect(calls.map((c) => c.score)).toEqual([0.9, 0.7, 0.3, 0.8]);
    expect(logs.some((l) => l.includes('"help_evidence" that is neither a string nor a list of strings'))).toBe(true);

    const without = await runEval(predictor(), { input, strict: false, log: () => {} });
    expect(without.metrics.evidence).toBeNull();
    expect(without.metrics.help_seeking).toEqual(withEv.metrics.help_seeking);
  });
});

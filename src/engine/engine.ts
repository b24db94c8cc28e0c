// The inference engine shared by every surface (Worker, CLI, evaluation). Data flows one way:
// text → normalise → tokenize (windows) → ONNX model (+ the lexical heads' logits, where model.json names them)
// → calibrated heads → Prediction.
// No Worker or Node APIs in here: hosts pass the model assets and a configured onnxruntime-web module.
import { aggregateWindows, decide, postCalibrate, windowProbabilities } from "./heads";
import { LexicalHeads, mixLogits } from "./lexical";
import { headSpecs, parseModelMetadata, type ModelMetadata } from "./metadata";
import { normalise, NORMALISATION_VERSION } from "./normalise";
// One file for every onnxruntime-web session that must compute what the Worker computes: this engine,
// scripts/ort_web_runner.mjs (the Python reference's runtime) and scripts/bench_ort_web.mjs.
import sessionDefaults from "./session-options.json";
import type { HeadResult, HeadSpec, OrtModuleLike, OrtSessionLike, Prediction } from "./types";
import { WindowTokenizer, type Window } from "./windows";

export interface ModelAssets {
  /** parsed model.json */
  metadata: unknown;
  onnx: ArrayBuffer | Uint8Array;
  /** parsed tokenizer.json */
  tokenizer: object;
  /** parsed lexical.json: required when model.json names one (`lexical.file`, model format 4) */
  lexical?: unknown;
}

export interface EngineOptions {
  sessionOptions?: Record<string, unknown>;
  /**
   * Windows per ONNX run. 1 (default) runs every window at its own length: no padding, and a post's
   * result does not depend on what else is in the batch (dynamic int8 quantisation scales activations
   * per tensor, so batch-mates would shift logits by ~1e-3 and break cache consistency). Larger values
   * trade that exactness for throughput in offline batch work.
   */
  batchSize?: number;
}

export interface ModelInfo {
  name: string;
  version: string;
  variant: string;
  notice: string;
}

export class Engine {
  readonly model: ModelInfo;
  readonly heads: HeadSpec[];
  readonly metadata: ModelMetadata;
  private readonly tokenizer: WindowTokenizer;
  private readonly batchSize: number;

  private constructor(
    metadata: ModelMetadata,
    tokenizer: WindowTokenizer,
    private readonly ort: OrtModuleLike,
    private readonly session: OrtSessionLike,
    private readonly lexical: LexicalHeads | null,
    options: EngineOptions,
  ) {
    this.metadata = metadata;
    this.model = { name: metadata.name, version: metadata.version, variant: metadata.variant, notice: metadata.notice };
    this.heads = headSpecs(metadata);
    this.tokenizer = tokenizer;
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 1));
    const missing = this.heads.map((h) => h.task).filter((t) => !session.outputNames.includes(t));
    if (missing.length) throw new Error(`the ONNX model has no output for head(s) ${missing.join(", ")}`);
    for (const head of this.heads) {
      if (!head.lexical_weight) continue;
      if (!lexical) throw new Error(`model.json: head "${head.task}" has a lexical_weight but the model names no lexical.json`);
      const labels = lexical.tasks.get(head.task);
      if (!labels || labels.length !== head.labels.length || labels.some((l, i) => l !== head.labels[i])) {
        throw new Error(`lexical.json has no head "${head.task}" with the labels [${head.labels.join(", ")}] in this order`);
      }
    }
  }

  /** Validates the metadata and creates the one InferenceSession this engine uses. */
  static async load(assets: ModelAssets, ort: OrtModuleLike, options: EngineOptions = {}): Promise<Engine> {
    const metadata = parseModelMetadata(assets.metadata);
    if (metadata.lexical && assets.lexical === undefined) {
      throw new Error(`model.json names lexical heads (${metadata.lexical.file}) but none were loaded: pass lexical.json with the model`);
    }
    const lexical = metadata.lexical ? LexicalHeads.parse(assets.lexical, NORMALISATION_VERSION) : null;
    const tokenizer = new WindowTokenizer(assets.tokenizer, metadata.max_length, metadata.stride);
    const bytes = assets.onnx instanceof Uint8Array ? assets.onnx : new Uint8Array(assets.onnx);
    const extra = (options.sessionOptions?.extra ?? {}) as { session?: Record<string, string> };
    const session = await ort.InferenceSession.create(bytes, {
      ...sessionDefaults,
      ...options.sessionOptions,
      // disable_quant_qdq lets constant folding dequantise constant int8 weights once at load rather than
      // on every run (weight-only int8 models: 12 % faster, same values); callers may add session entries.
      extra: { ...extra, session: { ...sessionDefaults.extra.session, ...extra.session } },
    });
    return new Engine(metadata, tokenizer, ort, session, lexical, options);
  }

  async predict(texts: string[]): Promise<Prediction[]> {
    return this.predictNormalised(texts.map(normalise));
  }

  /** Predicts texts that were already normalised (the Worker normalises first to build cache keys). */
  async predictNormalised(texts: string[]): Promise<Prediction[]> {
    const posts = texts.map((t) => this.tokenizer.windows(t));
    const mixed = this.heads.some((h) => h.lexical_weight);
    const lexical = texts.map((t) => (mixed && this.lexical ? this.lexical.logits(t) : {}));
    const flat: Array<{ post: number; window: Window }> = [];
    posts.forEach((p, post) => p.windows.forEach((window) => flat.push({ post, window })));

    // per post, per window, per head: calibrated probabilities
    const probs: number[][][][] = posts.map((p) => p.windows.map(() => []));
    const seen = posts.map(() => 0);
    for (let start = 0; start < flat.length; start += this.batchSize) {
      const batch = flat.slice(start, start + this.batchSize);
      const logits = await this.run(batch.map((b) => b.window.ids));
      batch.forEach((b, row) => {
        probs[b.post]![seen[b.post]!++] = this.heads.map((head, h) =>
          windowProbabilities(head, mixLogits(logits[h]![row]!, lexical[b.post]![head.task], head.lexical_weight ?? 0)),
        );
      });
    }

    return posts.map((p, i) => {
      const weights = p.windows.map((w) => Math.max(1, w.contentTokens));
      const heads: Record<string, HeadResult> = {};
      this.heads.forEach((head, h) => {
        const perWindow = probs[i]!.map((w) => w[h]!);
        heads[head.task] = decide(head, postCalibrate(head, aggregateWindows(head, perWindow, weights)));
      });
      return { heads, windows: p.windows.length, tokens: p.tokens };
    });
  }

  /**
   * Raw logits of every window of one normalised text, one window per run — the quantity the parity
   * test compares with the Python reference (scripts/mhelp_pipeline/runtime/inference.py).
   */
  async windowLogits(
    normalisedText: string,
  ): Promise<{ ids: number[][]; logits: Record<string, number[][]>; lexical: Record<string, number[]> | null }> {
    const { windows } = this.tokenizer.windows(normalisedText);
    const logits: Record<string, number[][]> = Object.fromEntries(this.heads.map((h) => [h.task, []]));
    for (const w of windows) {
      const out = await this.run([w.ids]);
      this.heads.forEach((h, i) => logits[h.task]!.push(out[i]![0]!));
    }
    return { ids: windows.map((w) => w.ids), logits, lexical: this.lexical?.logits(normalisedText) ?? null };
  }

  /** One ONNX run over padded windows; returns logits[head][row][label]. */
  private async run(rows: number[][]): Promise<number[][][]> {
    const seq = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(rows.length * seq);
    const mask = new BigInt64Array(rows.length * seq);
    rows.forEach((r, row) =>
      r.forEach((id, j) => {
        ids[row * seq + j] = BigInt(id);
        mask[row * seq + j] = 1n;
      }),
    );
    const dims = [rows.length, seq];
    const out = await this.session.run({
      input_ids: new this.ort.Tensor("int64", ids, dims),
      attention_mask: new this.ort.Tensor("int64", mask, dims),
    });
    return this.heads.map((head) => {
      const data = out[head.task]!.data as Float32Array;
      const n = head.labels.length;
      return rows.map((_, row) => Array.from(data.subarray(row * n, (row + 1) * n)));
    });
  }
}

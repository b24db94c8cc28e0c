// Public types of the inference engine. The engine has no Worker or Node APIs inside: a host (Node CLI,
// Worker) hands it the model bytes, the tokenizer JSON and a configured onnxruntime-web module.
import type { TaskKind } from "./codebook";

export interface SingleLabelResult {
  label: string;
  probs: Record<string, number>;
}

export interface MultiLabelResult {
  labels: string[];
  probs: Record<string, number>;
}

export type HeadResult = SingleLabelResult | MultiLabelResult;

/** One post's prediction: every head of the model keyed by task, plus how the post was read. */
export interface Prediction {
  heads: Record<string, HeadResult>;
  /** number of model windows the post was split into (long posts are never silently truncated). */
  windows: number;
  /** content tokens (without special tokens) after normalisation. */
  tokens: number;
}

export interface HeadSpec {
  task: string;
  kind: TaskKind;
  labels: string[];
  temperature: number;
  /** binary single_label: [t] for labels[1]; multi_label: one per label; null = argmax / 0.5. */
  thresholds: number[] | null;
  /** how the windows of a long post combine (model format 2; format 1 implies the kind's default) */
  aggregation: Aggregation;
  /** binary single_label only: a monotone piecewise-linear map of the aggregated p(labels[1]) through the knots
   * (x strictly increasing, constant outside [x[0], x[x.length - 1]]); p(labels[0]) = 1 - p(labels[1]). Absent = no map. */
  post_calibration?: PostCalibration;
  /** weight of the post's lexical logits in every window's logits: (1 - w) * window + w * lexical (model format 4;
   * absent or 0 = the encoder alone) */
  lexical_weight?: number;
}

/** Knots of a head's post-level calibration map (model.json `post_calibration`). */
export interface PostCalibration {
  x: number[];
  y: number[];
}

/** token_mean: mean weighted by each window's content tokens; max: element-wise max over windows. */
export type Aggregation = "token_mean" | "max";

/** The subset of onnxruntime-web the engine uses; hosts pass the real module after configuring it. */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
}
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release?(): Promise<void>;
}
export interface OrtModuleLike {
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike>;
  };
  Tensor: new (type: "int64", data: BigInt64Array, dims: readonly number[]) => OrtTensorLike;
}

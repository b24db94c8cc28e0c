// Node host: loads a model folder from disk and runs it with onnxruntime-web's WASM backend, the same
// runtime the Worker uses, so the CLI and evaluations see the Worker's numbers.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-web";
import { Engine, type EngineOptions } from "../engine/engine";
import { applyOrtSettings } from "../engine/ort-settings";
import type { OrtModuleLike } from "../engine/types";

/** The checkout's root: the nearest folder above this file whose package.json is named "mhelp". */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "mhelp") return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the mhelp package root above ${from}`);
  }
}

export function defaultModelDir(): string {
  return join(packageRoot(), "models", "default");
}

export interface ModelFiles {
  metadata: Record<string, unknown>;
  onnx: Uint8Array;
  tokenizer: object;
  /** parsed lexical.json, when model.json names lexical heads */
  lexical?: unknown;
}

export function readModelDir(modelDir: string): ModelFiles {
  const dir = resolve(modelDir);
  const metaPath = join(dir, "model.json");
  if (!existsSync(metaPath)) throw new Error(`no model.json in ${dir}: pass --model with a model folder (see docs/model-format.md)`);
  const metadata = JSON.parse(readFileSync(metaPath, "utf8")) as Record<string, unknown>;
  const onnxPath = join(dir, String(metadata.onnx));
  const tokPath = join(dir, String(metadata.tokenizer));
  const lexical = metadata.lexical as { file?: unknown } | undefined;
  const lexPath = lexical ? join(dir, String(lexical.file)) : null;
  for (const p of [onnxPath, tokPath, ...(lexPath ? [lexPath] : [])]) {
    if (!existsSync(p)) throw new Error(`model.json in ${dir} names ${p}, which does not exist`);
  }
  return {
    metadata,
    onnx: new Uint8Array(readFileSync(onnxPath)),
    tokenizer: JSON.parse(readFileSync(tokPath, "utf8")) as object,
    ...(lexPath ? { lexical: JSON.parse(readFileSync(lexPath, "utf8")) as unknown } : {}),
  };
}

let configured = false;
function configureOrt(): OrtModuleLike {
  if (!configured) {
    applyOrtSettings(ort.env);
    configured = true;
  }
  return ort as unknown as OrtModuleLike;
}

export async function loadNodeEngine(modelDir: string = defaultModelDir(), options: EngineOptions = {}): Promise<Engine> {
  return Engine.load(readModelDir(modelDir), configureOrt(), options);
}

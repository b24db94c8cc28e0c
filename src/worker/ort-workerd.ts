// onnxruntime-web inside workerd.
//
// workerd forbids compiling WebAssembly from bytes at run time ("Wasm code generation disallowed by
// embedder"); a .wasm file can only arrive as a module precompiled at upload (wrangler's CompiledWasm rule).
// ORT's Emscripten glue, given `env.wasm.wasmBinary`, calls WebAssembly.instantiate(new Uint8Array(wasmBinary),
// imports). So we give it an 8-byte marker buffer and wrap WebAssembly.instantiate: when it sees a view on
// that marker it instantiates the bundled Module instead and returns {instance, module} as Emscripten expects.
// Everything else passes through untouched. One thread (no SharedArrayBuffer workers on Workers), no proxy.
import * as ort from "onnxruntime-web/wasm";
// By relative path: wrangler's module collector does not resolve package "exports" for .wasm files.
import ortWasmModule from "../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm";
import { applyOrtSettings } from "../engine/ort-settings";
import type { OrtModuleLike } from "../engine/types";

const MARKER = new ArrayBuffer(8);
let installed = false;
let wasmMemory: WebAssembly.Memory | null = null;

function findMemory(...sources: unknown[]): WebAssembly.Memory | null {
  for (const source of sources) {
    if (!source || typeof source !== "object") continue;
    for (const value of Object.values(source as Record<string, unknown>)) {
      if (value instanceof WebAssembly.Memory) return value;
      if (value && typeof value === "object" && !(value instanceof WebAssembly.Module)) {
        for (const inner of Object.values(value as Record<string, unknown>)) {
          if (inner instanceof WebAssembly.Memory) return inner;
        }
      }
    }
  }
  return null;
}

function installInstantiateShim(module: WebAssembly.Module): void {
  if (installed) return;
  installed = true;
  const original = WebAssembly.instantiate.bind(WebAssembly) as (
    source: unknown,
    imports?: WebAssembly.Imports,
  ) => Promise<unknown>;
  const shim = async (source: unknown, imports?: WebAssembly.Imports): Promise<unknown> => {
    if (ArrayBuffer.isView(source) && source.buffer === MARKER) {
      const instance = (await original(module, imports)) as WebAssembly.Instance;
      wasmMemory = findMemory(instance.exports, imports);
      return { instance, module };
    }
    return original(source, imports);
  };
  (WebAssembly as unknown as { instantiate: typeof shim }).instantiate = shim;
}

let configured: OrtModuleLike | null = null;

/** The configured ORT module; call lazily (inside a request), never at import time. */
export function getOrt(): OrtModuleLike {
  if (configured) return configured;
  installInstantiateShim(ortWasmModule);
  ort.env.wasm.wasmBinary = MARKER;
  applyOrtSettings(ort.env);
  configured = ort as unknown as OrtModuleLike;
  return configured;
}

/** Current size of ORT's linear memory in this isolate, or null before the session exists. */
export function wasmMemoryBytes(): number | null {
  return wasmMemory ? wasmMemory.buffer.byteLength : null;
}

/**
 * Worker-specific session options, merged over the engine's defaults (wasm EP, optimisation level chosen
 * by the engine for parity with the Python reference). Empty on purpose: keep the Worker numerically
 * identical to the CLI and the parity test.
 */
export const SESSION_OPTIONS: Record<string, unknown> = {};

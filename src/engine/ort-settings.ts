// The onnxruntime-web settings every host applies before creating a session (src/worker/ort-workerd.ts,
// src/hosts/node.ts): one thread (workerd has no SharedArrayBuffer workers, and Node must not spawn any),
// no proxy worker, and only errors logged. Sessions themselves take engine.ts's session-options.json.
export interface OrtEnvLike {
  wasm: { numThreads?: number; proxy?: boolean };
  logLevel?: "verbose" | "info" | "warning" | "error" | "fatal";
}

export function applyOrtSettings(env: OrtEnvLike): void {
  env.wasm.numThreads = 1;
  env.wasm.proxy = false;
  env.logLevel = "error";
}

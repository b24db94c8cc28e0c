// Runs the shipped int8 model in onnxruntime-web (WASM, 1 thread) under Node and compares its logits with
// the Python onnxruntime logits stored in test/fixtures/parity.json; then times one 128-token window.
// Usage: node scripts/check_ort_web.mjs [models/default] [test/fixtures/parity.json]
import * as ort from "onnxruntime-web";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const modelDir = process.argv[2] ?? "models/default";
const fixturePath = process.argv[3] ?? "test/fixtures/parity.json";
const meta = JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8"));
const fixture = JSON.parse(readFileSync(fixturePath, "utf8"));

ort.env.wasm.numThreads = 1;
// FOLD_DQ=1: let onnxruntime constant-fold the int8 weight DequantizeLinear nodes at load time
// (session.disable_quant_qdq), trading ~50 MB of RAM for fp32-speed inference; numerics are unchanged.
const foldDq = process.env.FOLD_DQ === "1";
const session = await ort.InferenceSession.create(readFileSync(join(modelDir, meta.onnx)), {
  executionProviders: ["wasm"],
  ...(foldDq ? { extra: { session: { disable_quant_qdq: "1" } } } : {}),
});

function feeds(ids) {
  const n = ids.length;
  return {
    input_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, n]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
  };
}

let maxDiff = 0;
let windows = 0;
for (const c of fixture.cases) {
  for (let w = 0; w < c.windows.length; w++) {
    const out = await session.run(feeds(c.windows[w]));
    windows++;
    for (const [task, rows] of Object.entries(c.logits)) {
      const got = out[task].data;
      rows[w].forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(got[i] - v)); });
    }
  }
}

// Timing: one full 128-token window (the first window of the longest case), after warm-up.
const long = fixture.cases.reduce((a, b) => (a.windows[0].length >= b.windows[0].length ? a : b));
const ids = long.windows[0];
for (let i = 0; i < 5; i++) await session.run(feeds(ids));
const reps = 50;
const t0 = performance.now();
for (let i = 0; i < reps; i++) await session.run(feeds(ids));
const ms = (performance.now() - t0) / reps;

const ok = maxDiff <= (fixture.tolerance?.logits ?? 1e-3);
console.log(JSON.stringify({ runtime: "onnxruntime-web wasm", numThreads: 1, foldDq, node: process.version, cases: fixture.cases.length,
  windows, max_abs_logit_diff_vs_python_ort: maxDiff, within_tolerance: ok, tokens_per_window: ids.length,
  ms_per_window: Number(ms.toFixed(2)) }, null, 1));
process.exit(ok ? 0 : 1);

// Latency of ONNX models in onnxruntime-web (WASM, 1 thread) under Node: ms per 128-token window.
// Usage: node scripts/bench_ort_web.mjs [--runs N] name=path/to/model.onnx [name2=...]
// Prints JSON {models: {name: {median_ms, p10_ms, p90_ms, runs, bytes}}, ...}.
//
// The input is a synthetic 128-token window ([CLS] + 126 fixed word-piece ids + [SEP]): latency depends on
// the sequence length, not on which tokens, and no post text is needed. Runs are interleaved (round r runs
// every model once) so a burst of load from other processes on the shared cores hits all models alike;
// each run is timed on its own and the median is reported.
import * as ort from "onnxruntime-web";
import { readFileSync } from "node:fs";
const sessionOptions = JSON.parse(readFileSync(new URL("../src/engine/session-options.json", import.meta.url), "utf8"));

const args = process.argv.slice(2);
let runs = 50;
const models = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--runs") runs = Number(args[++i]);
  else {
    const [name, path] = args[i].split("=");
    models.push({ name, path });
  }
}
if (!models.length || !(runs >= 30)) {
  console.error("usage: bench_ort_web.mjs [--runs N>=30] name=model.onnx ...");
  process.exit(2);
}

ort.env.wasm.numThreads = 1; // the Worker runs single-threaded WASM

const ids = [101n];
for (let i = 0; i < 126; i++) ids.push(BigInt(1996 + ((i * 7919) % 27000))); // deterministic word pieces
ids.push(102n);
const feeds = {
  input_ids: new ort.Tensor("int64", BigInt64Array.from(ids), [1, ids.length]),
  attention_mask: new ort.Tensor("int64", new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
};

for (const m of models) {
  const bytes = readFileSync(m.path);
  m.bytes = bytes.length;
  m.session = await ort.InferenceSession.create(bytes, sessionOptions); // the engine's (src/engine/engine.ts)
  for (let i = 0; i < 5; i++) await m.session.run(feeds); // warm-up: WASM JIT tiers, allocator
  m.times = [];
}
for (let r = 0; r < runs; r++) {
  for (const m of models) {
    const t0 = performance.now();
    await m.session.run(feeds);
    m.times.push(performance.now() - t0);
  }
}

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  const k = (s.length - 1) * p;
  return s[Math.floor(k)] + (s[Math.ceil(k)] - s[Math.floor(k)]) * (k - Math.floor(k));
};
const out = {};
for (const m of models) {
  out[m.name] = { median_ms: +q(m.times, 0.5).toFixed(3), p10_ms: +q(m.times, 0.1).toFixed(3),
    p90_ms: +q(m.times, 0.9).toFixed(3), runs: m.times.length, bytes: m.bytes };
}
console.log(JSON.stringify({ runtime: "onnxruntime-web wasm", ort_version: ort.env.versions?.web ?? null,
  numThreads: 1, node: process.version, tokens: ids.length, models: out }, null, 1));

// Runs an ONNX graph in onnxruntime-web (WASM, 1 thread) with the engine's session options, for the Python
// pipeline (scripts/mhelp_pipeline/runtime/ort_web.py): the reference computes its logits with the very runtime
// the Worker serves with, because dynamic int8 graphs round activations differently in native onnxruntime
// (one flipped rounding moves logits by up to ~0.3; docs/model-format.md).
//
// Usage: node scripts/ort_web_runner.mjs model.onnx
// Protocol (one JSON object per line): first writes {"ready":true,"outputs":[names]}; then for each line
// {"ids":[...]} read from stdin (one window, batch 1, no padding) writes {"logits":{name:[...]}}; a bad
// line gets {"error":"..."}. Ends when stdin closes.
import * as ort from "onnxruntime-web";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const path = process.argv[2];
if (!path) {
  console.error("usage: node scripts/ort_web_runner.mjs model.onnx");
  process.exit(2);
}
ort.env.wasm.numThreads = 1; // the Worker runs single-threaded WASM
// the engine's own session options (src/engine/engine.ts reads the same file)
const sessionOptions = JSON.parse(readFileSync(new URL("../src/engine/session-options.json", import.meta.url), "utf8"));
const session = await ort.InferenceSession.create(readFileSync(path), sessionOptions);
const write = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
write({ ready: true, outputs: session.outputNames });

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  try {
    const ids = JSON.parse(line).ids;
    if (!Array.isArray(ids) || ids.length === 0) throw new Error("ids must be a non-empty array of token ids");
    const n = ids.length;
    const out = await session.run({
      input_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, n]),
      attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
    });
    write({ logits: Object.fromEntries(session.outputNames.map((k) => [k, Array.from(out[k].data)])) });
  } catch (err) {
    write({ error: String(err?.message ?? err) });
  }
}

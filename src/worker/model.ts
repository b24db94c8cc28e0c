// The shipped model, bundled into the Worker, and the lazily created Engine (one per isolate).
//
// Global scope stays cheap (Workers allow 1 s of startup CPU): importing this module only binds the bundled
// bytes and JSON. The first prediction that misses the cache creates ORT's WASM instance and the
// InferenceSession; later requests in the same isolate reuse it. A failed load is forgotten so the next
// request retries instead of serving a cached rejection forever.
//
// `mhelp-model/` names the model folder this build ships: tsconfig.json's "paths" map it to ./models/default
// (esbuild inside wrangler follows them; vitest.config.ts's resolve.alias says the same for the tests), and
// scripts/variant.mjs builds with a generated tsconfig that maps it to ./models/fast
// (`npm run deploy:fast` / `npm run dev:fast`).
import metadataJson from "mhelp-model/model.json";
import tokenizerJson from "mhelp-model/tokenizer.json";
import onnxBytes from "mhelp-model/model.int8.onnx";
// the lexical heads (model format 4): every variant the Worker bundles needs them and model.json must name this file
// (a freshly exported folder gets them from `python -m mhelp_pipeline lexical-heads`, then calibrate-on-gold)
import lexicalJson from "mhelp-model/lexical.json";
import { Engine } from "../engine/engine";
import { parseProfiles, type ModelProfiles } from "../engine/metadata";
import { getOrt, SESSION_OPTIONS } from "./ort-workerd";

/** The bundled ONNX file name; model.json must point at it. */
export const BUNDLED_ONNX = "model.int8.onnx";
/** The bundled lexical heads' file name; model.json's `lexical.file` must name it. */
export const BUNDLED_LEXICAL = "lexical.json";

interface BundledMetadata {
  name: string;
  version: string;
  variant?: string;
  onnx?: string;
  lexical?: { file?: string };
  heads?: Array<{ task: string }>;
}

const metadata = metadataJson as unknown as BundledMetadata;

/** Model identity read from model.json without loading anything (cache keys and /health need only this). */
export const MODEL_INFO = {
  name: String(metadata.name),
  version: String(metadata.version),
  variant: String(metadata.variant ?? "default"),
} as const;

/** The bundled model's operating points on p(help_seeking = yes) (issue 15), or undefined when it has none.
 * Read without loading the engine: a cached prediction is labelled by the request's profile too. */
export const MODEL_PROFILES: ModelProfiles | undefined = parseProfiles((metadataJson as { profiles?: unknown }).profiles);

/** Tasks the bundled model has heads for. */
export const MODEL_TASKS: ReadonlySet<string> = new Set((metadata.heads ?? []).map((h) => h.task));

export type SessionState = "not_loaded" | "loading" | "ready" | "failed";

let enginePromise: Promise<Engine> | null = null;
let state: SessionState = "not_loaded";
let initMs: number | null = null;

export function sessionState(): SessionState {
  return state;
}

export function sessionInitMs(): number | null {
  return initMs;
}

async function createEngine(): Promise<Engine> {
  if (metadata.onnx !== undefined && metadata.onnx !== BUNDLED_ONNX) {
    throw new Error(`the bundled model.json names onnx "${metadata.onnx}" but the Worker bundles "${BUNDLED_ONNX}"`);
  }
  if (metadata.lexical?.file !== BUNDLED_LEXICAL) {
    throw new Error(`the bundled model.json names lexical heads "${metadata.lexical?.file ?? "(none)"}" but the Worker bundles "${BUNDLED_LEXICAL}"`);
  }
  const started = Date.now();
  const engine = await Engine.load(
    { metadata: metadataJson, onnx: new Uint8Array(onnxBytes), tokenizer: tokenizerJson as object, lexical: lexicalJson },
    getOrt(),
    { sessionOptions: SESSION_OPTIONS },
  );
  // Date.now() only advances across I/O in Workers; good enough for the health figure, which is informational.
  initMs = Date.now() - started;
  return engine;
}

/** The isolate's Engine, created on first use. */
export function getEngine(): Promise<Engine> {
  if (!enginePromise) {
    state = "loading";
    enginePromise = createEngine().then(
      (engine) => {
        state = "ready";
        return engine;
      },
      (err: unknown) => {
        state = "failed";
        enginePromise = null;
        throw err;
      },
    );
  }
  return enginePromise;
}

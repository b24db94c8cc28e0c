// `mhelp` command line: batch prediction, redaction and evaluation over JSONL with the same engine as the Worker.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadNodeEngine } from "../hosts/node";
import { runPredict, runRedact, type BatchSummary } from "./commands";
import { runEval } from "./evaluate";
import { engineExplainer } from "./evidence-eval";
import { BadLineError } from "./jsonl";

const USAGE = `mhelp — help-seeking, condition and causes for social-media posts (decision support, not a diagnosis)

usage:
  mhelp predict --input posts.jsonl --output preds.jsonl [--model DIR] [--strict] [--batch-size N]
  mhelp redact  --input posts.jsonl --output redacted.jsonl [--strict]
  mhelp eval    --input labelled.jsonl [--output metrics.json] [--predictions decisions.jsonl] [--model DIR] [--strict] [--evidence]

Input lines are JSON objects with "id" and "text"; "-" means stdin/stdout.
Bad lines are reported on stderr with their line numbers and skipped; --strict makes the first one fatal.
predict writes {"id", "<task>": {"label","probs"} | {"labels","probs"}} for every head of the model.
eval reads {"id","text","help_seeking"?:"yes"|"no","condition"?:label,"causes"?:[labels]} (or {"id","text","labels":{...}})
and writes help_seeking P/R/F1/AUROC, condition accuracy/macro-F1, causes micro/macro-F1 as JSON (stdout without --output).
eval --evidence also scores the API's help-seeking evidence spans ("explain": true) against "help_evidence":
[verbatim spans of the text] on gold help_seeking "yes" posts: top-span hit rate (95% bootstrap CI), token F1,
under metrics.evidence (null without --evidence). It re-scores each such post once per sentence (up to 12).`;

function fail(message: string): never {
  process.stderr.write(`mhelp: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function report(command: string, s: BatchSummary): void {
  const reasons = Object.entries(s.skippedByReason)
    .map(([r, n]) => `${n} × ${r}`)
    .join("; ");
  process.stderr.write(
    `mhelp ${command}: read ${s.read} records, wrote ${s.written}, skipped ${s.skipped}${reasons ? ` (${reasons})` : ""}\n`,
  );
  if (s.replaced) {
    const parts = Object.entries(s.replaced).map(([p, n]) => `[${p}] ${n}`);
    process.stderr.write(`mhelp ${command}: replaced ${parts.join(", ")}\n`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        input: { type: "string" },
        output: { type: "string" },
        model: { type: "string" },
        strict: { type: "boolean", default: false },
        "batch-size": { type: "string" },
        chunk: { type: "string" },
        predictions: { type: "string" },
        evidence: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  const input = values.input as string | undefined;
  const output = values.output as string | undefined;
  if (!input) fail("--input is required");
  if (values.evidence && command !== "eval") fail("--evidence is an option of eval only");
  const log = (m: string) => process.stderr.write(`${m}\n`);
  try {
    if (command === "eval") {
      const chunk = Number(values.chunk ?? 32);
      if (!Number.isInteger(chunk) || chunk < 1) fail("--chunk must be a whole number ≥ 1");
      const engine = await loadNodeEngine((values.model as string | undefined) ?? undefined);
      log(`model ${engine.model.name}@${engine.model.version} (${engine.model.variant}); ${engine.model.notice}`);
      const predictions = values.predictions as string | undefined;
      const evidence = values.evidence ? engineExplainer(engine) : undefined;
      const res = await runEval(engine, { input, strict: Boolean(values.strict), log, chunk, predictions, evidence });
      report("eval", res.summary);
      const json = `${JSON.stringify({ model: engine.model, input, summary: res.summary, metrics: res.metrics }, null, 2)}\n`;
      if (output && output !== "-") writeFileSync(output, json);
      else process.stdout.write(json);
      return 0;
    }
    if (command !== "predict" && command !== "redact") fail(`unknown command "${command}"`);
    if (!output) fail("--output is required");
    const base = { input, output, strict: Boolean(values.strict), log };
    if (command === "redact") {
      report("redact", await runRedact(base));
      return 0;
    }
    if (command === "predict") {
      const batchSize = Number(values["batch-size"] ?? 1);
      const chunk = Number(values.chunk ?? 32);
      if (!Number.isInteger(batchSize) || batchSize < 1) fail("--batch-size must be a whole number ≥ 1");
      if (!Number.isInteger(chunk) || chunk < 1) fail("--chunk must be a whole number ≥ 1");
      const engine = await loadNodeEngine((values.model as string | undefined) ?? undefined, { batchSize });
      log(`model ${engine.model.name}@${engine.model.version} (${engine.model.variant}); ${engine.model.notice}`);
      report("predict", await runPredict(engine, { ...base, chunk }));
      return 0;
    }
  } catch (err) {
    if (err instanceof BadLineError) {
      process.stderr.write(`mhelp ${command}: ${err.message} (--strict)\n`);
      return 1;
    }
    process.stderr.write(`mhelp ${command}: ${(err as Error).message}\n`);
    return 1;
  }
  fail(`unknown command "${command}"`);
}

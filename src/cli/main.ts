// `mhelp` command line: batch prediction, redaction and evaluation over JSONL with the same engine as the Worker.
// User errors (paths, permissions, flags) are one line on stderr and exit code 2, checked before any output
// is touched; a stack trace only with --debug. Outputs replace existing files only when complete.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { chooseProfile } from "../engine/metadata";
import { defaultModelDir, loadNodeEngine, packageRoot } from "../hosts/node";
import { NOTICE } from "../worker/schemas";
import { checkFields, DEFAULT_CSV_FIELDS, runPredict, runRedact, type BatchSummary } from "./commands";
import { NothingToScoreError, runEval } from "./evaluate";
import { engineExplainer } from "./evidence-eval";
import { JOBS_USAGE_LINES, runJobs } from "./jobs";
import { BadLineError, checkInputPath, checkOutputPath, UserError, writeWhole } from "./jsonl";
import { localeFlag, profileFlag } from "./request-flags";
import { DEFAULT_MAX_CHARS } from "./result";

const USAGE = `mhelp — help-seeking, condition and causes for social-media posts (decision support, not a diagnosis)

usage:
  mhelp predict --input posts.jsonl --output preds.jsonl [options]     (mhelp predict --help)
  mhelp redact  --input posts.jsonl --output redacted.jsonl [--strict] (mhelp redact --help)
  mhelp eval    --input labelled.jsonl [--output metrics.json] [options] (mhelp eval --help)
${JOBS_USAGE_LINES}
  mhelp --version

Input lines are JSON objects with "id" and "text"; "-" means stdin/stdout.
Bad lines are reported on stderr with their line numbers, counted in the summary and skipped; --strict makes
the first one fatal. An existing output file is replaced only by a complete new one.
Exit codes: 0 done, 1 failed (--strict bad line, nothing to score, model error), 2 usage error (fix the command).`;

const COMMON = `
  --strict          stop at the first bad line (exit 1) instead of skipping it
  --debug           print stack traces of unexpected errors
  -h, --help        this help`;

const HELP: Record<string, string> = {
  predict: `mhelp predict --input posts.jsonl --output preds.jsonl [options]

Writes one line per usable post: the API's result object (POST /v1/predict "results"): help_seeking,
condition, causes, aux (every auxiliary head), windows, cached (false), review, and resources when the post
suggests risk. The decision-support notice is printed once in the summary on stderr.
Posts follow the API's rules: {"id": string, "text": non-blank string}, no other fields; other lines are
skipped and reported by line number.

  --input FILE      JSONL posts ("-" = stdin)
  --output FILE     where to write ("-" = stdout)
  --model DIR       model folder (default: models/default)
  --max-chars N     skip posts longer than N characters (default ${DEFAULT_MAX_CHARS}, the API's limit)
  --precision N     decimal places of probabilities (default 4)
  --format F        jsonl (default) or csv
  --fields a,b,c    dotted paths of the result to write (csv default: ${DEFAULT_CSV_FIELDS.join(",")})
  --locale TAG      BCP 47 tag that picks the crisis resources (default: international)
  --profile NAME    operating point that decides help_seeking.label: high_recall, balanced (default) or
                    high_precision (thresholds on p(yes) chosen on gold dev; docs/model-card.md)
  --chunk N         posts per engine call (default 32)
  --no-progress     no progress line on stderr${COMMON}`,
  redact: `mhelp redact --input posts.jsonl --output redacted.jsonl [--strict]

Writes each usable record back with "text" normalised and identifiers replaced by placeholders
([URL], [EMAIL], [USER], [IP], [PHONE], [NAME]); other fields are kept. Records need "id" (string or
number) and a non-blank "text".

  --input FILE      JSONL records ("-" = stdin)
  --output FILE     where to write ("-" = stdout)
  --no-progress     no progress line on stderr${COMMON}`,
  eval: `mhelp eval --input labelled.jsonl [--output metrics.json] [options]

Reads {"id","text","help_seeking"?:"yes"|"no","condition"?:label,"causes"?:[labels]} (or
{"id","text","labels":{...}}) and writes help_seeking P/R/F1/AUROC, condition accuracy/macro-F1, causes
micro/macro-F1 as JSON (stdout without --output). Exits 1 when every line was skipped.
--evidence also scores the API's help-seeking evidence spans against "help_evidence": [verbatim spans of the
text] (or one span as a string, the silver file's format) on gold help_seeking "yes" posts (top-span hit rate with 95% bootstrap CI, token F1) under
metrics.evidence; it re-scores each such post once per sentence (up to 12).

  --input FILE         labelled JSONL ("-" = stdin)
  --output FILE        metrics JSON (default stdout)
  --predictions FILE   per-post decisions as JSONL (ids and labels, never text)
  --model DIR          model folder (default: models/default)
  --max-chars N        skip posts longer than N characters (the API's limit is ${DEFAULT_MAX_CHARS}; default: no limit,
                       so every labelled post is scored)
  --chunk N            posts per engine call (default 32)
  --evidence           also score evidence spans${COMMON}`,
};

type Spec = NonNullable<ParseArgsConfig["options"]>;
const BASE: Spec = {
  input: { type: "string" },
  output: { type: "string" },
  strict: { type: "boolean", default: false },
  debug: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
};
const OPTIONS: Record<string, Spec> = {
  predict: {
    ...BASE,
    model: { type: "string" },
    chunk: { type: "string" },
    "max-chars": { type: "string" },
    precision: { type: "string" },
    format: { type: "string" },
    fields: { type: "string" },
    locale: { type: "string" },
    profile: { type: "string" },
    "no-progress": { type: "boolean", default: false },
  },
  redact: { ...BASE, "no-progress": { type: "boolean", default: false } },
  eval: {
    ...BASE,
    model: { type: "string" },
    chunk: { type: "string" },
    "max-chars": { type: "string" },
    predictions: { type: "string" },
    evidence: { type: "boolean", default: false },
  },
};

function version(): string {
  let pkg = "unknown";
  let model = "model: not found";
  try {
    const root = packageRoot();
    pkg = String(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
    const meta = JSON.parse(readFileSync(join(defaultModelDir(), "model.json"), "utf8")) as Record<string, unknown>;
    model = `model ${String(meta.name)}@${String(meta.version)} (${String(meta.variant ?? "default")})`;
  } catch (err) {
    model = `model: unreadable (${(err as Error).message})`;
  }
  return `mhelp ${pkg}, ${model}`;
}

function wholeNumber(values: Record<string, unknown>, flag: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = values[flag];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (String(raw).trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new UserError(`--${flag} must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`} (got ${JSON.stringify(raw)})`);
  }
  return n;
}

function report(command: string, s: BatchSummary): void {
  const reasons = Object.entries(s.skippedByReason)
    .map(([r, n]) => `${n} × ${r}`)
    .join("; ");
  process.stderr.write(
    `mhelp ${command}: read ${s.read} records, wrote ${s.written}, skipped ${s.skipped}${reasons ? ` (${reasons})` : ""}\n`,
  );
  if (s.skippedLines?.length) {
    const shown = s.skippedLines.slice(0, 50).join(", ");
    const more = s.skippedLines.length > 50 ? ` and ${s.skippedLines.length - 50} more (listed above)` : "";
    process.stderr.write(`mhelp ${command}: skipped lines ${shown}${more}\n`);
  }
  if (s.replaced) {
    const parts = Object.entries(s.replaced).map(([p, n]) => `[${p}] ${n}`);
    process.stderr.write(`mhelp ${command}: replaced ${parts.join(", ")}\n`);
  }
}

function checkModel(dir: string | undefined): void {
  if (dir === undefined) return;
  if (!existsSync(join(dir, "model.json"))) throw new UserError(`--model ${dir} has no model.json; pass a model folder (see docs/model-format.md)`);
}

async function run(command: string, values: Record<string, string | boolean | undefined>): Promise<number> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const input = values.input as string | undefined;
  const output = values.output as string | undefined;
  const model = values.model as string | undefined;
  const strict = Boolean(values.strict);
  if (!input) throw new UserError("--input is required");
  if (command !== "eval" && !output) throw new UserError("--output is required");

  if (command === "redact") {
    checkInputPath(input);
    checkOutputPath(output!);
    report("redact", await runRedact({ input, output: output!, strict, log, progress: !values["no-progress"] }));
    return 0;
  }

  const chunk = wholeNumber(values, "chunk", 32, 1);
  // predict follows the API's limit by default; eval scores every post unless --max-chars is given (the
  // Python pipeline's compare-eval pairs its decisions with eval's by id, so eval must not drop posts by default)
  const maxChars = values["max-chars"] === undefined && command === "eval" ? undefined : wholeNumber(values, "max-chars", DEFAULT_MAX_CHARS, 1);

  if (command === "eval") {
    checkInputPath(input);
    if (output) checkOutputPath(output);
    const predictions = values.predictions as string | undefined;
    if (predictions) checkOutputPath(predictions, "--predictions");
    checkModel(model);
    const engine = await loadNodeEngine(model);
    log(`model ${engine.model.name}@${engine.model.version} (${engine.model.variant})`);
    const evidence = values.evidence ? engineExplainer(engine) : undefined;
    const res = await runEval(engine, { input, strict, log, chunk, predictions, evidence, maxChars });
    report("eval", res.summary);
    const json = `${JSON.stringify({ model: engine.model, input, summary: res.summary, metrics: res.metrics }, null, 2)}\n`;
    await writeWhole(output ?? "-", json);
    process.stderr.write(`mhelp eval: ${NOTICE}\n`);
    return 0;
  }

  // predict
  const precision = wholeNumber(values, "precision", 4, 0, 12);
  const format = (values.format as string | undefined) ?? "jsonl";
  if (format !== "jsonl" && format !== "csv") throw new UserError(`--format must be jsonl or csv (got ${JSON.stringify(format)})`);
  let fields: string[] | undefined;
  if (values.fields !== undefined) {
    fields = String(values.fields)
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean);
    if (fields.length === 0) throw new UserError("--fields needs at least one field, e.g. id,help_seeking.label");
    const bad = checkFields(fields);
    if (bad) throw new UserError(bad);
  }
  const locale = localeFlag(values.locale);
  const requested = profileFlag(values.profile);
  checkInputPath(input);
  checkOutputPath(output!);
  checkModel(model);
  const engine = await loadNodeEngine(model); // one window per ONNX run: batching padded windows was slower (300 silver posts: 14.7 s at 1, 18.6 s at 32)
  const profiles = engine.metadata.profiles;
  if (requested !== undefined && !profiles) throw new UserError(`--profile: the model ${engine.model.name}@${engine.model.version} has no operating points; leave --profile out`);
  const profile = chooseProfile(requested, profiles);
  log(`model ${engine.model.name}@${engine.model.version} (${engine.model.variant})${profile ? `, profile ${profile.name} (p(yes) >= ${profile.threshold})` : ""}`);
  const summary = await runPredict(engine, {
    profile,
    input,
    output: output!,
    strict,
    log,
    chunk,
    maxChars,
    precision,
    format,
    fields,
    locale,
    progress: !values["no-progress"],
  });
  report("predict", summary);
  process.stderr.write(`mhelp predict: ${NOTICE}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === "--version" || command === "-V" || command === "version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  // jobs has subcommands and talks to a server: its own parser (src/cli/jobs.ts)
  if (command === "jobs") return runJobs(rest);
  const debug = argv.includes("--debug");
  const name = OPTIONS[command] ? command : null;
  const usage = (message: string): number => {
    const hint = name ? `; see \`mhelp ${name} --help\`` : "; see `mhelp --help`";
    process.stderr.write(`mhelp${name ? ` ${name}` : ""}: ${message}${hint}\n`);
    return 2;
  };
  if (!name) return usage(`unknown command ${JSON.stringify(command)}; the commands are predict, redact, eval, jobs`);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: rest, options: OPTIONS[name], strict: true, allowPositionals: false }) as {
      values: Record<string, string | boolean | undefined>;
    });
  } catch (err) {
    return usage((err as Error).message.split("\n")[0]!);
  }
  if (values.help) {
    process.stdout.write(`${HELP[name]}\n`);
    return 0;
  }
  try {
    return await run(name, values);
  } catch (err) {
    if (debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    if (err instanceof UserError) return usage(err.message);
    if (err instanceof BadLineError) {
      process.stderr.write(`mhelp ${name}: ${err.message} (--strict)\n`);
      return 1;
    }
    if (err instanceof NothingToScoreError) {
      report(name, err.summary);
      process.stderr.write(`mhelp ${name}: ${err.message}\n`);
      return 1;
    }
    const msg = (err as Error)?.message ?? String(err);
    process.stderr.write(`mhelp ${name}: ${msg.split("\n")[0]}${debug ? "" : " (run with --debug for details)"}\n`);
    return 1;
  }
}

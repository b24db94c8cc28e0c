// `mhelp jobs <submit|status|results|cancel>`: batch jobs on an mhelp server (POST /v1/jobs and friends) through
// the typed client (src/client). Unlike `mhelp predict`, nothing is scored here: the file goes to the server
// (inline or as a multipart upload, by size), the server scores it in chunks, and the results come back as JSONL.
//
// Exit codes as for the other commands: 0 done; 1 the server or the job failed (unreachable server, 5xx, a job
// that failed or was cancelled); 2 a mistake in the command or its credentials (flags, paths, API key, an
// unknown job id, an input the server refuses). Every failure is one line on stderr.
import { openAsBlob } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { MhelpApiError, MhelpClient, type JobStatus } from "../client";
import { PROFILES } from "../engine/metadata";
import { JOB_ID_RE } from "../worker/jobs/job-schemas";
import { CACHE_MODES } from "../worker/cache-mode";
import { AtomicOutput, checkInputPath, checkOutputPath, UserError } from "./jsonl";
import { Progress } from "./progress";
import { localeFlag, profileFlag } from "./request-flags";

/** The `npm run dev` server, used when neither --url nor MHELP_URL says otherwise. */
export const DEFAULT_URL = "http://127.0.0.1:8787";
/** At most this many skipped lines are named in the summary; the results hold an error line for every one. */
const LISTED_ERRORS = 10;

export const JOBS_USAGE_LINES = `  mhelp jobs submit --input posts.jsonl [--wait --output preds.jsonl]   (mhelp jobs --help)
  mhelp jobs status|results|cancel JOB_ID                           (server-side batch jobs)`;

const CONNECTION = `
  --url URL         the mhelp server (default: $MHELP_URL, else ${DEFAULT_URL}, the \`npm run dev\` server)
  --api-key KEY     API key (default: $MHELP_API_KEY; prefer the variable: flags show up in \`ps\`)
  --debug           print stack traces of unexpected errors
  -h, --help        this help`;

const HELP: Record<string, string> = {
  jobs: `mhelp jobs <submit|status|results|cancel> …

Batch jobs run on an mhelp server (POST /v1/jobs): the input file is sent to the server, scored there in
chunks, and the results are read back as JSONL, one line per non-blank input line in input order (the
/v1/predict result plus "line", or {"line","id"?,"error"} for a line that was skipped). Jobs and their results
are deleted by the server after its retention period (7 days by default).

  mhelp jobs submit --input posts.jsonl [--wait] [--output preds.jsonl]   start a job, print its id
  mhelp jobs status JOB_ID                                                 print its status as JSON
  mhelp jobs results JOB_ID --output preds.jsonl [--wait]                  save its results
  mhelp jobs cancel JOB_ID                                                 cancel it, delete input and results

\`mhelp jobs <subcommand> --help\` lists each one's options.
Exit codes: 0 done, 1 the server or the job failed (unreachable, 5xx, job failed or cancelled), 2 a mistake
in the command (flags, paths, API key, unknown job id, an input the server refuses).`,
  submit: `mhelp jobs submit --input posts.jsonl [options]

Sends the JSONL file (one {"id","text"} per line) to the server and starts a job. Files up to 8 MiB are sent
as the request body, bigger ones as a multipart upload in 8 MiB parts. Prints the job id on stdout and its
status URL on stderr. Lines the server cannot use are skipped and reported by line number in the job's status.

  --input FILE      JSONL posts ("-" = stdin)
  --locale TAG      BCP 47 tag that picks the crisis resources (e.g. en-GB)
  --profile NAME    operating point that decides help_seeking.label: ${PROFILES.join(", ")}
  --cache MODE      the server's prediction cache: read_write (default), read (reuse cached predictions,
                    write none: cheaper for a one-off dump) or off
  --wait            wait for the job to finish (progress on stderr), then print a summary
  --output FILE     with --wait: save the results there ("-" = stdout), replacing the file only when complete
  --poll-ms N       with --wait: pause between status requests (default 2000)
  --no-progress     no progress line on stderr${CONNECTION}`,
  status: `mhelp jobs status JOB_ID

Prints the job's status as JSON on stdout: status (queued, running, done, failed, cancelled), total, done,
skipped, errors (skipped lines by number), chunks, created, finished, expires, model, options.
${CONNECTION}`,
  results: `mhelp jobs results JOB_ID --output preds.jsonl [--wait]

Saves a finished job's results, one JSON line per non-blank input line in input order. Without --wait a job
that is still queued or running is an error (exit 1); the output file is replaced only by complete results.

  --output FILE     where to write ("-" = stdout)
  --wait            wait for the job to finish first (progress on stderr)
  --poll-ms N       with --wait: pause between status requests (default 2000)
  --no-progress     no progress line on stderr${CONNECTION}`,
  cancel: `mhelp jobs cancel JOB_ID

Cancels a queued or running job and deletes its input and results on the server (a finished job keeps its
status, its results are deleted). Prints the job's status as JSON on stdout.
${CONNECTION}`,
};

type Spec = NonNullable<ParseArgsConfig["options"]>;
const CONNECTION_OPTIONS: Spec = {
  url: { type: "string" },
  "api-key": { type: "string" },
  debug: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
};
const WAITING_OPTIONS: Spec = {
  wait: { type: "boolean", default: false },
  output: { type: "string" },
  "poll-ms": { type: "string" },
  "no-progress": { type: "boolean", default: false },
};
const OPTIONS: Record<string, Spec> = {
  submit: { ...CONNECTION_OPTIONS, ...WAITING_OPTIONS, input: { type: "string" }, locale: { type: "string" }, profile: { type: "string" }, cache: { type: "string" } },
  status: CONNECTION_OPTIONS,
  results: { ...CONNECTION_OPTIONS, ...WAITING_OPTIONS },
  cancel: CONNECTION_OPTIONS,
};

type Values = Record<string, string | boolean | undefined>;

/** `mhelp jobs …` with the arguments after "jobs"; returns the exit code. */
export async function runJobs(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    process.stdout.write(`${HELP.jobs}\n`);
    return 0;
  }
  if (!sub) {
    process.stderr.write("mhelp jobs: name a subcommand: submit, status, results or cancel; see `mhelp jobs --help`\n");
    return 2;
  }
  const spec = OPTIONS[sub];
  const fail = (message: string, exitCode: number, hint = false): number => {
    const see = hint ? `; see \`mhelp jobs${spec ? ` ${sub}` : ""} --help\`` : "";
    process.stderr.write(`mhelp jobs${spec ? ` ${sub}` : ""}: ${message}${see}\n`);
    return exitCode;
  };
  if (!spec) return fail(`unknown subcommand ${JSON.stringify(sub)}; the subcommands are submit, status, results, cancel`, 2, true);
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: spec, strict: true, allowPositionals: true }) as { values: Values; positionals: string[] });
  } catch (err) {
    return fail((err as Error).message.split("\n")[0]!, 2, true);
  }
  if (values.help) {
    process.stdout.write(`${HELP[sub]}\n`);
    return 0;
  }
  const base = String(values.url ?? process.env.MHELP_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  try {
    const client = connect(base, values);
    if (sub === "submit") {
      if (positionals.length > 0) throw new UserError(`unexpected argument ${JSON.stringify(positionals[0])}; the input file goes after --input`);
      return await submit(client, base, values);
    }
    const id = jobIdArgument(positionals);
    if (sub === "status") {
      process.stdout.write(`${JSON.stringify(await client.getJob(id), null, 2)}\n`);
      return 0;
    }
    if (sub === "cancel") {
      const status = await client.cancelJob(id);
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      process.stderr.write(`mhelp jobs cancel: job ${id} is ${status.status}; its input and results are deleted\n`);
      return 0;
    }
    return await results(client, id, values);
  } catch (err) {
    if (values.debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    if (err instanceof UserError) return fail(err.message, 2, true);
    if (err instanceof MhelpApiError) {
      const { message, exitCode } = explainApiError(err, base);
      return fail(message, exitCode);
    }
    const msg = (err as Error)?.message ?? String(err);
    return fail(`${msg.split("\n")[0]}${values.debug ? "" : " (run with --debug for details)"}`, 1);
  }
}

function connect(base: string, values: Values): MhelpClient {
  if (!/^https?:\/\/[^/\s]+/i.test(base)) throw new UserError(`--url must be an http(s) URL such as ${DEFAULT_URL} (got ${JSON.stringify(base)})`);
  const apiKey = (values["api-key"] as string | undefined) ?? process.env.MHELP_API_KEY;
  return new MhelpClient({ baseUrl: base, apiKey: apiKey || undefined });
}

function jobIdArgument(positionals: string[]): string {
  if (positionals.length === 0) throw new UserError("name the job: its id, as `mhelp jobs submit` printed it (job_ followed by 32 hex digits)");
  if (positionals.length > 1) throw new UserError(`one job id at a time (got ${positionals.length} arguments)`);
  const id = positionals[0]!;
  if (!JOB_ID_RE.test(id)) throw new UserError(`${JSON.stringify(id.slice(0, 80))} is not a job id; job ids look like job_ followed by 32 hex digits, as \`mhelp jobs submit\` printed them`);
  return id;
}

function pollMs(values: Values): number {
  const raw = values["poll-ms"];
  if (raw === undefined) return 2_000;
  const n = Number(raw);
  if (String(raw).trim() === "" || !Number.isInteger(n) || n < 10 || n > 600_000) throw new UserError(`--poll-ms must be a whole number from 10 to 600000 (got ${JSON.stringify(raw)})`);
  return n;
}

/** The server's error as one line that names the fix, and whether the command (2) or the server (1) is at fault. */
export function explainApiError(err: MhelpApiError, base: string): { message: string; exitCode: number } {
  if (err.code === "network_error") {
    return { message: `cannot reach ${base} (${err.message.replace(/^.*failed: /, "")}); start the server (\`npm run dev\`) or point --url / MHELP_URL at a running one`, exitCode: 1 };
  }
  if (err.status === 0) return { message: err.message, exitCode: 1 };
  if (err.status === 401) return { message: `${base} needs an API key (${err.code}): pass --api-key or set MHELP_API_KEY`, exitCode: 2 };
  if (err.status === 403) return { message: `${base} refused the API key (${err.code}: ${err.message}); check --api-key / MHELP_API_KEY`, exitCode: 2 };
  if (err.code === "job_not_finished") return { message: `${err.message.replace(/; poll .*$/, "")}; add --wait to wait for it, or try again later`, exitCode: 1 };
  const issue = err.issues[0];
  const detail = issue ? ` (${issue.path.join(".") || "body"}: ${issue.message})` : "";
  if (err.status >= 400 && err.status < 500 && err.status !== 429) return { message: `${err.message}${detail}`, exitCode: 2 };
  return { message: `${base} answered ${err.status} ${err.code}: ${err.message}${err.requestId ? ` (request ${err.requestId})` : ""}`, exitCode: 1 };
}

async function readInput(path: string): Promise<Blob> {
  if (path !== "-") return openAsBlob(path); // backed by the file: parts are read from disk as they are sent
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return new Blob([new Uint8Array(Buffer.concat(chunks))]); // (a copy over a plain ArrayBuffer, as Blob's types ask)
}

async function submit(client: MhelpClient, base: string, values: Values): Promise<number> {
  const input = values.input as string | undefined;
  const output = values.output as string | undefined;
  if (!input) throw new UserError("--input is required");
  if (output !== undefined && !values.wait) throw new UserError("--output needs --wait (or save the results later with `mhelp jobs results JOB_ID --output FILE`)");
  const locale = localeFlag(values.locale);
  const profile = profileFlag(values.profile);
  const cache = values.cache as string | undefined;
  if (cache !== undefined && !(CACHE_MODES as readonly string[]).includes(cache)) {
    throw new UserError(`--cache must be one of ${CACHE_MODES.join(", ")} (got ${JSON.stringify(cache)})`);
  }
  const interval = pollMs(values);
  checkInputPath(input);
  if (output !== undefined) checkOutputPath(output);

  const blob = await readInput(input);
  if (blob.size === 0) throw new UserError(`--input ${input} is empty; it must hold one {"id","text"} JSON object per line`);
  const created = await client.submitJob(blob, {
    locale,
    profile,
    cache: cache as (typeof CACHE_MODES)[number] | undefined,
    onUploadProgress: (sent, total) => process.stderr.write(`mhelp jobs submit: uploaded ${mib(sent)} of ${mib(total)}\n`),
  });
  process.stdout.write(`${created.id}\n`);
  process.stderr.write(`mhelp jobs submit: job ${created.id} ${created.status}; status: ${base}${created.status_url} (\`mhelp jobs status ${created.id}\`)\n`);
  if (!values.wait) return 0;

  const status = await waitWithProgress(client, created.id, interval, !values["no-progress"]);
  return finishJob(client, status, output, !values["no-progress"], "submit");
}

async function results(client: MhelpClient, id: string, values: Values): Promise<number> {
  const output = values.output as string | undefined;
  if (!output) throw new UserError("--output is required (a file, or - for stdout)");
  const interval = pollMs(values);
  checkOutputPath(output);
  const status = values.wait ? await waitWithProgress(client, id, interval, !values["no-progress"]) : await client.getJob(id);
  return finishJob(client, status, output, !values["no-progress"], "results");
}

/** After the job has finished: save the results (when asked and they exist), summarise, and pick the exit code. */
async function finishJob(client: MhelpClient, status: JobStatus, output: string | undefined, progress: boolean, sub: string): Promise<number> {
  const log = (m: string) => process.stderr.write(`mhelp jobs ${sub}: ${m}\n`);
  if (status.status === "cancelled") {
    log(`job ${status.id} was cancelled; it has no results`);
    return 1;
  }
  if (output !== undefined) {
    const written = await downloadResults(client, status, output, progress);
    if (output !== "-") log(`wrote ${written} result lines to ${output}`);
  }
  summarise(status, log);
  if (status.status === "failed") {
    log(`job ${status.id} failed${status.failure ? `: ${status.failure}` : ": some lines could not be scored after every retry (error lines in the results)"}`);
    return 1;
  }
  log(status.notice);
  return 0;
}

/** Polls until the job finishes, drawing done + skipped of total as a bar on a TTY. */
async function waitWithProgress(client: MhelpClient, id: string, intervalMs: number, show: boolean): Promise<JobStatus> {
  const bar = show ? new Progress("scored") : null;
  try {
    const status = await client.waitForJob(id, {
      intervalMs,
      onProgress: (s) => {
        if (!bar) return;
        if (s.total !== null) bar.setTotalPosts(s.total);
        bar.update(s.done + s.skipped);
      },
    });
    bar?.finish(status.status !== "cancelled");
    return status;
  } catch (err) {
    bar?.finish(false);
    throw err;
  }
}

/** Streams the result lines into `output`, replacing it only once every line is written. */
async function downloadResults(client: MhelpClient, status: JobStatus, output: string, show: boolean): Promise<number> {
  const out = new AtomicOutput(output);
  const bar = show ? new Progress("downloaded", { totalPosts: status.total ?? undefined }) : null;
  let lines = 0;
  try {
    for await (const line of client.jobResults(status.id)) {
      await out.write(`${JSON.stringify(line)}\n`);
      bar?.update(++lines);
    }
    await out.commit();
    bar?.finish(true);
    return lines;
  } catch (err) {
    bar?.finish(false);
    await out.abort();
    throw err;
  }
}

/** Counts, and the first skipped lines by number: a job with skipped lines is never reported as a plain success. */
function summarise(status: JobStatus, log: (m: string) => void): void {
  const total = status.total ?? status.done + status.skipped;
  log(`job ${status.id} ${status.status}: ${total} lines, ${status.done} scored, ${status.skipped} skipped`);
  for (const warning of status.warnings ?? []) log(`warning: ${warning}`);
  if (status.skipped === 0) return;
  const listed = status.errors.slice(0, LISTED_ERRORS).map((e) => `${e.last_line ? `lines ${e.line}-${e.last_line}` : `line ${e.line}`}: ${e.reason}`);
  const unlisted = status.errors.length - listed.length;
  const more = unlisted > 0 || status.errors_truncated ? `; and more (every skipped line has an error line in the results)` : "";
  log(`skipped ${listed.join("; ")}${more}`);
}

function mib(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

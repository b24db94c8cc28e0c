// Where a batch job's objects live in the job bucket (JOBS_BUCKET), and what travels on the job queue.
//
//   jobs/<job id>/input.jsonl             the JSONL body of POST /v1/jobs (absent for inputs by reference)
//   jobs/<job id>/parts/<chunk:6>.jsonl   one results part per chunk, written whole (a redelivered chunk
//                                         rewrites the same key): GET …/results concatenates them in order
//   uploads/<client>/<upload>.jsonl       multipart uploads (POST /v1/uploads); <client> is the first 12 hex
//                                         of the uploader's API key hash, so only that key can use it as input
//
// Nothing here holds post text except the inputs themselves; results hold predictions, ids and line numbers.

/** A message on the job queue (JOB_QUEUE): read and cut the input, or score one chunk of it. */
export type JobMessage = PlanMessage | ChunkMessage;

export interface PlanMessage {
  kind: "plan";
  job: string;
}

export interface ChunkMessage {
  kind: "chunk";
  job: string;
  chunk: ChunkRange;
}

/** A chunk: the bytes [start, end) of the input, holding the lines first_line..last_line (blank lines included). */
export interface ChunkRange {
  index: number;
  start: number;
  end: number;
  first_line: number;
  last_line: number;
  /** non-blank lines in the range: what the chunk scores or skips */
  records: number;
}

export function newJobId(): string {
  return `job_${crypto.randomUUID().replace(/-/g, "")}`;
}

export function newUploadName(): string {
  return `upl_${crypto.randomUUID().replace(/-/g, "")}`;
}

export function jobPrefix(job: string): string {
  return `jobs/${job}/`;
}

export function jobInputKey(job: string): string {
  return `${jobPrefix(job)}input.jsonl`;
}

export function partKey(job: string, index: number): string {
  return `${jobPrefix(job)}parts/${String(index).padStart(6, "0")}.jsonl`;
}

export function uploadPrefix(client: string): string {
  return `uploads/${client}/`;
}

export function r2Uri(bucket: string, key: string): string {
  return `r2://${bucket}/${key}`;
}

/** r2://<bucket>/<key> → its parts; null when it is not such a URI. */
export function parseR2Uri(uri: string): { bucket: string; key: string } | null {
  const m = /^r2:\/\/([^/\s]+)\/(\S+)$/.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : null;
}

/** Deletes every object under a prefix (R2 lists at most 1000 keys per page); returns how many were deleted. */
export async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1_000 });
    const keys = page.objects.map((o) => o.key);
    if (keys.length > 0) await bucket.delete(keys);
    deleted += keys.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

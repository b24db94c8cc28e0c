// The typed client's batch-job methods (src/client) against the real Worker inside workerd: jobs go through the
// local queue to the Worker's own queue() handler, uploads into the local R2 bucket. A recording fetch shows
// which requests each method made (inline body vs. the multipart flow). Transport details that the Worker
// cannot produce on demand (a results stream cut mid-line, a job that never finishes) use a stub fetch.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MhelpApiError, MhelpClient, MIN_UPLOAD_PART_BYTES, ndjsonLines, type FetchLike, type JobResultLine, type JobStatus } from "../../src/client";
import { BASE, TEST_API_KEY } from "./helpers";

const POSTS = [
  "I have not slept for weeks and I do not know who to talk to. Can anyone help?",
  "Finally finished my marathon training today, feeling great.",
  "My boss keeps yelling at me and I cry every night. How do I cope with this?",
  "Does anyone know a good therapist in Leeds? My anxiety is getting worse.",
];

const postLine = (i: number) => JSON.stringify({ id: `p${i}`, text: POSTS[i % POSTS.length] });

/** A client whose requests go to the Worker and are recorded as "METHOD /path" (query and upload ids cut). */
function recordingClient(extra: Partial<ConstructorParameters<typeof MhelpClient>[0]> = {}) {
  const requests: string[] = [];
  const fetch: FetchLike = (url, init) => {
    const path = new URL(url).pathname.replace(/^(\/v1\/uploads\/)[^/]+/, "$1{id}").replace(/job_[0-9a-f]{32}/, "{job}");
    requests.push(`${init?.method ?? "GET"} ${path}`);
    return exports.default.fetch(new Request(url, init));
  };
  return { client: new MhelpClient({ baseUrl: BASE, apiKey: TEST_API_KEY, fetch, ...extra }), requests };
}

async function collect(lines: AsyncIterable<JobResultLine>): Promise<JobResultLine[]> {
  const out: JobResultLine[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe("submitJob, waitForJob and jobResults against the Worker", () => {
  it("sends a small input inline, waits with progress, and streams one parsed result per line in input order", async () => {
    const lines = Array.from({ length: 12 }, (_, i) => postLine(i));
    lines[4] = "{not json";
    lines[7] = ""; // blank: layout, no result line
    const { client, requests } = recordingClient();
    const created = await client.submitJob(`${lines.join("\n")}\n`, { locale: "en-GB", profile: "high_recall", cache: "read" });
    expect(created.id).toMatch(/^job_[0-9a-f]{32}$/);
    expect(requests).toEqual(["POST /v1/jobs"]);

    const seen: JobStatus[] = [];
    const status = await client.waitForJob(created.id, { intervalMs: 50, timeoutMs: 90_000, onProgress: (s) => seen.push(s) });
    expect(status).toMatchObject({ status: "done", total: 11, done: 10, skipped: 1, options: { locale: "en-GB", profile: "high_recall", cache: "read" } });
    expect(status.errors).toEqual([{ line: 5, reason: "not valid JSON" }]);
    expect(seen.at(-1)).toEqual(status);

    const out = await collect(client.jobResults(created.id));
    expect(out.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12]);
    const bad = out[4]!;
    expect("error" in bad && bad.error.code).toBe("invalid_line");
    const first = out[0]!;
    if ("error" in first) throw new Error("line 1 should be scored");
    expect(first.id).toBe("p0");
    expect(first.profile).toBe("high_recall");
    expect(["yes", "no"]).toContain(first.help_seeking.label);
  });

  it("sends an input above maxInlineBytes through /v1/uploads in parts, then starts the job from the upload", async () => {
    const lines = Array.from({ length: 40 }, (_, i) => postLine(i));
    // the first part must hold at least 5 MiB: blank lines pad the file (layout, not records)
    const padLines = MIN_UPLOAD_PART_BYTES / 2;
    const text = `${lines.slice(0, 20).join("\n")}\n${" \n".repeat(padLines)}${lines.slice(20).join("\n")}\n`;
    const bytes = new TextEncoder().encode(text);
    expect(bytes.byteLength).toBeGreaterThan(MIN_UPLOAD_PART_BYTES);
    const { client, requests } = recordingClient();
    const progress: number[] = [];
    const created = await client.submitJob(bytes, { maxInlineBytes: 1_024, partBytes: MIN_UPLOAD_PART_BYTES, onUploadProgress: (sent) => progress.push(sent) });
    expect(requests).toEqual(["POST /v1/uploads", "PUT /v1/uploads/{id}/parts/1", "PUT /v1/uploads/{id}/parts/2", "POST /v1/uploads/{id}/complete", "POST /v1/jobs"]);
    expect(progress).toEqual([MIN_UPLOAD_PART_BYTES, bytes.byteLength]);

    const status = await client.waitForJob(created.id, { intervalMs: 50, timeoutMs: 90_000 });
    expect(status).toMatchObject({ status: "done", total: 40, done: 40, skipped: 0 });
    const out = await collect(client.jobResults(created.id));
    expect(out.map((r) => r.id)).toEqual(lines.map((_, i) => `p${i}`));
    expect(out[20]!.line).toBe(21 + padLines);
  });

  it("refuses parts under 5 MiB before uploading anything", async () => {
    const { client, requests } = recordingClient();
    await expect(client.submitJob("x".repeat(2_000), { maxInlineBytes: 1_000, partBytes: 1_000 })).rejects.toThrow(/partBytes must be at least/);
    expect(requests).toEqual([]);
  });

  it("cancelJob deletes the job and its results: the answer says so, and the job is 404 from then on", async () => {
    const { client } = recordingClient();
    const { id } = await client.submitJob(`${postLine(0)}\n${postLine(1)}\n`);
    const cancelled = await client.cancelJob(id);
    expect(cancelled.id).toBe(id);
    expect(cancelled.deleted).toBe(true);
    // (a job this small may already be done when DELETE arrives: then it stays "done", with its results deleted)
    expect(["cancelled", "done"]).toContain(cancelled.status);
    const err = await collect(client.jobResults(id)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MhelpApiError);
    expect(err).toMatchObject({ status: 404, code: "not_found" });
    await expect(client.getJob(id)).rejects.toMatchObject({ status: 404 });
  });

  it("throws MhelpApiError 404 for an unknown job, and 401 without a key", async () => {
    const { client } = recordingClient();
    const unknown = `job_${"0".repeat(32)}`;
    for (const attempt of [() => client.getJob(unknown), () => client.cancelJob(unknown), () => collect(client.jobResults(unknown))]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MhelpApiError);
      expect(err).toMatchObject({ status: 404, code: "not_found" });
      expect((err as MhelpApiError).requestId).toMatch(/.+/);
    }
    const { client: anonymous } = recordingClient({ apiKey: undefined });
    await expect(anonymous.submitJob(`${postLine(0)}\n`)).rejects.toMatchObject({ status: 401, code: "missing_api_key" });
  });
});

describe("job methods over a stub transport", () => {
  const json = (body: unknown, status = 200) => Response.json(body, { status });

  it("jobResults joins lines split across stream chunks, including a UTF-8 character cut in two", async () => {
    const lines = [
      { line: 1, id: "a", text_note: "naïve café — ünïcode" },
      { line: 3, id: "b", error: { code: "invalid_line", message: "not valid JSON" } },
      { line: 4, id: "c", nested: { deep: [1, 2, 3] } },
    ];
    const bytes = new TextEncoder().encode(lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    // cut points: inside the first line, inside the two-byte "ï" (0xC3 0xAF), right after a newline, mid-way in the last line
    const iUmlaut = bytes.indexOf(0xc3);
    const firstNewline = bytes.indexOf(0x0a);
    const cuts = [5, iUmlaut + 1, firstNewline + 1, bytes.length - 7, bytes.length];
    const chunks = cuts.map((end, i) => bytes.slice(i === 0 ? 0 : cuts[i - 1], end));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    });
    const client = new MhelpClient({ baseUrl: "https://x.test", fetch: async () => new Response(stream, { headers: { "content-type": "application/x-ndjson" } }) });
    const out = await collect(client.jobResults(`job_${"1".repeat(32)}`));
    expect(out).toEqual(lines);
  });

  it("a caller that stops reading early cancels the download", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('{"line":1}\n{"line":2}\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const client = new MhelpClient({ baseUrl: "https://x.test", fetch: async () => new Response(stream) });
    for await (const line of client.jobResults(`job_${"1".repeat(32)}`)) {
      expect(line.line).toBe(1);
      break;
    }
    expect(cancelled).toBe(true);
  });

  it("ndjsonLines yields a last line without a trailing newline and skips blank lines", async () => {
    const got: string[] = [];
    for await (const l of ndjsonLines(new Response('{"a":1}\n\n  \n{"b":2}'))) got.push(l);
    expect(got).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("jobResults names the line that is not JSON", async () => {
    const client = new MhelpClient({ baseUrl: "https://x.test", fetch: async () => new Response('{"line":1}\n{"line":2,\n') });
    await expect(collect(client.jobResults(`job_${"1".repeat(32)}`))).rejects.toMatchObject({ code: "invalid_response", message: expect.stringContaining("result line 2") });
  });

  it("waitForJob gives up after timeoutMs and stops when its signal aborts", async () => {
    const running = { id: "job_x", status: "running", total: 10, done: 3, skipped: 0 };
    let polls = 0;
    const client = new MhelpClient({ baseUrl: "https://x.test", fetch: async () => { polls++; return json(running); } });
    await expect(client.waitForJob("job_x", { intervalMs: 20, timeoutMs: 100 })).rejects.toMatchObject({ status: 0, code: "timeout", message: expect.stringContaining("3 of 10") });
    expect(polls).toBeGreaterThan(1);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(client.waitForJob("job_x", { intervalMs: 10_000, signal: controller.signal })).rejects.toMatchObject({ code: "aborted" });
  });

  it("a failing part aborts the upload and the error is the server's", async () => {
    const calls: string[] = [];
    const client = new MhelpClient({
      baseUrl: "https://x.test",
      fetch: async (url, init) => {
        const path = new URL(url).pathname;
        calls.push(`${init?.method} ${path}`);
        if (path === "/v1/uploads") return json({ upload_id: "u1", input: "r2://mhelp-jobs/uploads/x/u1.jsonl", min_part_bytes: MIN_UPLOAD_PART_BYTES, max_part_bytes: 32 * 1_048_576, max_parts: 10_000 }, 201);
        if (init?.method === "PUT") return json({ error: { code: "invalid_request", message: "part refused", request_id: "r" } }, 400);
        return new Response(null, { status: 204 });
      },
    });
    const input = new Blob(["x".repeat(MIN_UPLOAD_PART_BYTES + 10)]);
    await expect(client.submitJob(input, { maxInlineBytes: 0 })).rejects.toMatchObject({ status: 400, code: "invalid_request", message: "part refused" });
    expect(calls).toEqual(["POST /v1/uploads", "PUT /v1/uploads/u1/parts/1", "DELETE /v1/uploads/u1"]);
  });
});

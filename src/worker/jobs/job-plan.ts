// Planning a job: read its input once, as a byte stream, and cut it into chunks of `chunkLines` non-blank
// lines. Each chunk is a byte range plus its line numbers, so a consumer reads only its own range (an R2
// ranged get) and still reports the file's own line numbers. Blank lines (spaces, tabs, CR only) are layout:
// they are counted for line numbers but are not records. Only newline bytes and blanks are looked at here;
// the text is never decoded, kept or logged.

import type { ChunkRange } from "./job-layout";

export interface Plan {
  chunks: ChunkRange[];
  /** non-blank lines */
  total: number;
  /** every line, blank ones included */
  lines: number;
  bytes: number;
}

export class TooManyLines extends Error {
  constructor(readonly limit: number) {
    super(`the input has more than ${limit} lines (MAX_JOB_LINES); split it into several jobs`);
  }
}

const NEWLINE = 0x0a;

function isBlankByte(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d;
}

/** Cuts a JSONL byte stream into chunks of at most `chunkLines` non-blank lines; throws TooManyLines past `maxLines`. */
export async function planChunks(input: ReadableStream<Uint8Array>, chunkLines: number, maxLines: number): Promise<Plan> {
  const chunks: ChunkRange[] = [];
  let offset = 0; // bytes consumed so far
  let line = 1; // the line being read
  let lineBlank = true;
  let total = 0;
  // the chunk being filled
  let chunkStart = 0;
  let chunkFirstLine = 1;
  let chunkRecords = 0;

  const closeChunk = (end: number, lastLine: number) => {
    if (chunkRecords > 0) {
      chunks.push({ index: chunks.length, start: chunkStart, end, first_line: chunkFirstLine, last_line: lastLine, records: chunkRecords });
    }
    chunkStart = end;
    chunkFirstLine = lastLine + 1;
    chunkRecords = 0;
  };

  const endLine = (endOffset: number) => {
    if (!lineBlank) {
      total++;
      chunkRecords++;
      if (total > maxLines) throw new TooManyLines(maxLines);
    }
    if (chunkRecords >= chunkLines) closeChunk(endOffset, line);
    line++;
    lineBlank = true;
  };

  const reader = input.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (let i = 0; i < value.length; i++) {
      const b = value[i]!;
      if (b === NEWLINE) endLine(offset + i + 1);
      else if (lineBlank && !isBlankByte(b)) lineBlank = false;
    }
    offset += value.length;
  }
  // a last line without a newline
  if (!lineBlank) endLine(offset);
  closeChunk(offset, line - 1);
  return { chunks, total, lines: line - 1, bytes: offset };
}

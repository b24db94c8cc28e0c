// src/worker/logger.ts: one JSON line per call, on the console method of its level.
import { afterEach, describe, expect, it, vi } from "vitest";
import { errorFields, log } from "../../src/worker/logger";

describe("log", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes {level, msg, ...fields} as one JSON line with the level's console method", () => {
    const calls: Array<[string, string]> = [];
    for (const method of ["log", "warn", "error"] as const) {
      vi.spyOn(console, method).mockImplementation((line: unknown) => void calls.push([method, String(line)]));
    }
    log("info", "hello", { request_id: "r1", count: 2 });
    log("warn", "careful");
    log("error", "broken", errorFields(new TypeError("x".repeat(600))));
    expect(calls.map(([method]) => method)).toEqual(["log", "warn", "error"]);
    expect(calls.map(([, line]) => JSON.parse(line))).toEqual([
      { level: "info", msg: "hello", request_id: "r1", count: 2 },
      { level: "warn", msg: "careful" },
      { level: "error", msg: "broken", error: "TypeError", message: "x".repeat(500) },
    ]);
  });

  it("leaves the message out when asked (KV and limiter errors)", () => {
    expect(errorFields(new RangeError("details"), false)).toEqual({ error: "RangeError" });
  });
});

// src/worker/errors.ts: the one list of error codes, and the OpenAPI descriptions written from it.
import { describe, expect, it } from "vitest";
import { ApiError, ERROR_DESCRIPTIONS, ERROR_STATUS, type ErrorCode } from "../../src/worker/errors";

describe("ERROR_STATUS", () => {
  it("gives every ApiError its status", () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) expect(new ApiError(code as ErrorCode, "message").status, code).toBe(status);
  });

  it("describes every status it uses, naming only codes of that status", () => {
    const statuses = new Set<number>(Object.values(ERROR_STATUS));
    expect(Object.keys(ERROR_DESCRIPTIONS).map(Number).sort()).toEqual([...statuses].sort());
    for (const [status, description] of Object.entries(ERROR_DESCRIPTIONS)) {
      for (const [, name] of description.matchAll(/`([a-z]+(?:_[a-z]+)+)`/g)) {
        expect(ERROR_STATUS[name as ErrorCode], `${status}: ${name}`).toBe(Number(status));
      }
    }
  });
});

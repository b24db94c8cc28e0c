// scripts/api-keys.mjs end to end against a throwaway local KV state (real wrangler, --local --persist-to):
// create prints a key once and stores only its SHA-256 hash; list and revoke work by name and hash prefix.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/hosts/node";
// @ts-expect-error plain .mjs script without types
import { hashKey, newApiKey } from "../../scripts/api-keys.mjs";

const root = packageRoot();
const state = mkdtempSync(join(tmpdir(), "mhelp-keys-"));
afterAll(() => rmSync(state, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ["scripts/api-keys.mjs", ...args, "--local", "--persist-to", state], { cwd: root, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("scripts/api-keys.mjs", () => {
  it("makes 256-bit keys and hashes them like the Worker (SHA-256 hex of the UTF-8 key)", () => {
    const key = newApiKey() as string;
    expect(key).toMatch(/^mhk_[A-Za-z0-9_-]{43}$/);
    expect(newApiKey()).not.toBe(key);
    expect(hashKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("creates, lists and revokes keys, storing only hashes", () => {
    const created = run("create", "--name", "team-a");
    expect(created.code, created.err).toBe(0);
    const key = created.out.trim();
    expect(key).toMatch(/^mhk_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toMatch(/only time the key is shown/);
    const hash = createHash("sha256").update(key).digest("hex");

    const second = run("create", "--name", "team-b");
    expect(second.code, second.err).toBe(0);

    const listed = run("list");
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toMatch(new RegExp(`^${hash.slice(0, 12)}\\s+active\\s+\\S+\\s+team-a$`, "m"));
    expect(listed.out).toMatch(/active\s+\S+\s+team-b$/m);

    // the key never reaches the local state on disk; its hash does
    const disk = filesUnder(state).map((f) => readFileSync(f).toString("latin1")).join("\n");
    expect(disk).not.toContain(key);
    expect(disk).toContain(hash);

    const revoked = run("revoke", "--hash", hash.slice(0, 10));
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.err).toMatch(/revoked "team-a"/);
    const after = run("list");
    expect(after.out).toMatch(new RegExp(`^${hash.slice(0, 12)}\\s+revoked\\s+\\S+\\s+team-a$`, "m"));
    expect(after.out).toMatch(/active\s+\S+\s+team-b$/m);
    // nothing active left under that name
    expect(run("revoke", "--name", "team-a").code).toBe(2);
  }, 120_000);

  it("explains its usage on bad arguments", () => {
    const r = spawnSync(process.execPath, ["scripts/api-keys.mjs", "create"], { cwd: root, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--name/);
    expect(spawnSync(process.execPath, ["scripts/api-keys.mjs", "frobnicate"], { cwd: root, encoding: "utf8" }).stderr).toMatch(/unknown command/);
  });
});

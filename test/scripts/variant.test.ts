// scripts/variant.mjs builds the Worker with another model folder (the `fast` variant): the bundle
// must carry that folder's ONNX file, not models/default's, and refuse a variant that does not exist.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

describe("scripts/variant.mjs", () => {
  it(
    "bundles models/fast instead of models/default",
    () => {
      expect(existsSync(join(root, "models", "fast", "model.json")), "models/fast is a shipped variant").toBe(true);
      const out = mkdtempSync(join(tmpdir(), "mhelp-variant-"));
      try {
        const r = spawnSync(process.execPath, ["scripts/variant.mjs", "fast", "deploy", "--dry-run", "--outdir", out], {
          cwd: root,
          encoding: "utf8",
          timeout: 120_000,
        });
        expect(r.status, r.stderr).toBe(0);
        const onnx = readdirSync(out).filter((f) => f.endsWith(".onnx"));
        expect(onnx).toHaveLength(1);
        const bundled = sha(join(out, onnx[0]!));
        expect(bundled).toBe(JSON.parse(readFileSync(join(root, "models/fast/model.json"), "utf8")).onnx_sha256);
        expect(bundled).not.toBe(sha(join(root, "models/default/model.int8.onnx")));
        // a queue has one consumer Worker: the variant consumes its own job queue and dead-letter queue
        const toml = readFileSync(join(root, "wrangler.fast.generated.toml"), "utf8");
        expect(toml.match(/^queue = "[^"]+"/gm)).toEqual(['queue = "mhelp-fast-job-chunks"', 'queue = "mhelp-fast-job-chunks"', 'queue = "mhelp-fast-job-chunks-dlq"']);
        expect(toml).toContain('dead_letter_queue = "mhelp-fast-job-chunks-dlq"');
      } finally {
        rmSync(out, { recursive: true, force: true });
        rmSync(join(root, "wrangler.fast.generated.toml"), { force: true });
        rmSync(join(root, "tsconfig.fast.generated.json"), { force: true });
      }
    },
    150_000,
  );

  it("refuses a variant without a model folder", () => {
    const r = spawnSync(process.execPath, ["scripts/variant.mjs", "nosuch", "dev"], { cwd: root, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/models\/nosuch\/model.json does not exist/);
  });
});

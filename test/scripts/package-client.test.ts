// The typed client as another project gets it: `npm pack` this package, unpack the tarball into a temporary
// project's node_modules, then `import { MhelpClient } from "mhelp/client"` (package.json exports) from plain
// Node and type-check a TypeScript file that uses it. dist/client/ comes from scripts/build-cli.mjs (the
// `prepare` script of `npm ci`).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
let project = "";

beforeAll(() => {
  expect(existsSync(join(root, "dist/client/index.mjs")), "dist/client is missing: run `npm run build:cli`").toBe(true);
  project = mkdtempSync(join(tmpdir(), "mhelp-client-"));
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", project], { cwd: root, encoding: "utf8" });
  const tarball = join(project, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
  const pkgDir = join(project, "node_modules", "mhelp");
  mkdirSync(pkgDir, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", pkgDir, "--strip-components=1"]);
  // the client's declarations refer to the package's dependencies (zod types); npm would install them: link ours
  for (const dep of readdirSync(join(root, "node_modules"))) {
    if (dep.startsWith(".") || dep === "mhelp") continue;
    symlinkSync(join(root, "node_modules", dep), join(project, "node_modules", dep));
  }
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("mhelp/client from the packed package", () => {
  it("imports in plain Node and calls the API through the fetch it is given", () => {
    writeFileSync(
      join(project, "use.mjs"),
      `import { MhelpClient } from "mhelp/client";
const seen = [];
const fetch = async (url, init) => { seen.push([url, init.method, init.headers["authorization"] ?? init.headers["Authorization"]]);
  return new Response(JSON.stringify({ status: "ok", model: { name: "m", version: "1", variant: "default" } }), { status: 200, headers: { "content-type": "application/json" } }); };
const client = new MhelpClient({ baseUrl: "https://api.example", apiKey: "mhk_test", fetch });
const health = await client.health();
console.log(JSON.stringify({ status: health.status, url: seen[0][0] }));`,
    );
    const run = spawnSync(process.execPath, ["use.mjs"], { cwd: project, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ status: "ok", url: "https://api.example/health" });
  });

  it("type-checks a TypeScript consumer against the shipped declarations, and rejects a wrong one", () => {
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const opts = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,dom", "--skipLibCheck"];
    writeFileSync(
      join(project, "good.mts"),
      `import { MhelpClient, type PredictResult } from "mhelp/client";
const client = new MhelpClient({ baseUrl: "https://api.example", apiKey: "k" });
export async function label(text: string): Promise<string> {
  const { results } = await client.predict([{ id: "1", text }]);
  const first: PredictResult = results[0]!;
  return first.help_seeking.label;
}`,
    );
    writeFileSync(join(project, "bad.mts"), `import { MhelpClient } from "mhelp/client";\nexport const n: number = new MhelpClient({ baseUrl: "x" }).predict([{ id: 1, text: "t" }]);\n`);
    const good = spawnSync(process.execPath, [tsc, ...opts, "good.mts"], { cwd: project, encoding: "utf8" });
    expect(good.stdout + good.stderr).toBe("");
    expect(good.status).toBe(0);
    const bad = spawnSync(process.execPath, [tsc, ...opts, "bad.mts"], { cwd: project, encoding: "utf8" });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/bad\.mts/);
  });
});

#!/usr/bin/env node
// Manage mhelp API keys. Keys are stored only as SHA-256 hashes in the API_KEYS KV namespace:
//   key = sha256(api key) hex, value = {"name", "created", "revoked"?} (the same JSON as KV metadata, so
//   `list` needs no extra reads). The key itself is printed once by `create` and never stored anywhere.
//
//   node scripts/api-keys.mjs create --name <who> [--local]      prints the new key on stdout (only once)
//   node scripts/api-keys.mjs revoke (--name <who> | --hash <hex prefix>) [--local]
//   node scripts/api-keys.mjs list [--local]
//   (--preview: the remote preview namespace, used by `wrangler dev --remote`; --persist-to <dir>: another local
//   state directory, like wrangler's; --dry-run: print the wrangler calls instead of running them)
//
// --local writes the local simulation used by `wrangler dev` and the tests (.wrangler/state); without it the
// deployed namespace (wrangler.toml's API_KEYS id; needs `wrangler login`). Runs wrangler under Node 22 via
// scripts/with-node22.mjs. Messages go to stderr, so `KEY=$(node scripts/api-keys.mjs create --name x)` works.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = `usage:
  node scripts/api-keys.mjs create --name <who> [--local]
  node scripts/api-keys.mjs revoke (--name <who> | --hash <hex prefix>) [--local]
  node scripts/api-keys.mjs list [--local]`;

function fail(message) {
  console.error(`api-keys: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const opts = { command, local: false, preview: false, persistTo: undefined, name: undefined, hash: undefined, dryRun: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith("--")) fail(`${arg} needs a value`);
      return v;
    };
    if (arg === "--local") opts.local = true;
    else if (arg === "--preview") opts.preview = true;
    else if (arg === "--persist-to") opts.persistTo = value();
    else if (arg === "--dry-run") opts.dryRun = true;
    else if (arg === "--name") opts.name = value();
    else if (arg.startsWith("--name=")) opts.name = arg.slice(7);
    else if (arg === "--hash") opts.hash = value().toLowerCase();
    else if (arg.startsWith("--hash=")) opts.hash = arg.slice(7).toLowerCase();
    else if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown argument ${JSON.stringify(arg)}`);
  }
  return opts;
}

export function newApiKey() {
  return `mhk_${randomBytes(32).toString("base64url")}`;
}

export function hashKey(key) {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

function wrangler(args, opts) {
  // API_KEYS has an id and a preview_id, so wrangler must be told which: `wrangler dev` reads the preview id
  // (also locally), deploys read the id. --local therefore targets the preview id; remote the id unless --preview.
  const preview = opts.local || opts.preview;
  const full = ["scripts/with-node22.mjs", "node_modules/wrangler/bin/wrangler.js", "kv", "key", ...args, "--binding", "API_KEYS", "--preview", String(preview), opts.local ? "--local" : "--remote"];
  if (opts.local && opts.persistTo) full.push("--persist-to", opts.persistTo);
  if (opts.dryRun) {
    console.error(`[dry run] node ${full.join(" ")}`);
    return "[]";
  }
  try {
    return execFileSync(process.execPath, full, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    console.error(`api-keys: wrangler kv key ${args[0]} failed:\n${err.stderr || err.message}`);
    process.exit(1);
  }
}

function listRecords(opts) {
  const out = wrangler(["list"], opts);
  const start = out.indexOf("[");
  let keys;
  try {
    keys = JSON.parse(out.slice(start));
  } catch {
    console.error(`api-keys: could not read the output of wrangler kv key list:\n${out}`);
    process.exit(1);
  }
  return keys.map((k) => ({ hash: k.name, ...(k.metadata ?? {}) }));
}

function put(hash, record, opts) {
  const json = JSON.stringify(record);
  wrangler(["put", hash, json, "--metadata", json], opts);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const where = opts.local ? "local (wrangler dev / tests)" : "remote (deployed)";
  switch (opts.command) {
    case "create": {
      if (!opts.name || !opts.name.trim()) fail("create needs --name <who> (a label for the key's owner, e.g. a team or app)");
      if (opts.name.length > 100) fail("--name must be at most 100 characters");
      const key = newApiKey();
      const hash = hashKey(key);
      put(hash, { name: opts.name.trim(), created: new Date().toISOString() }, opts);
      console.error(`created API key "${opts.name.trim()}" in the ${where} API_KEYS namespace (hash ${hash.slice(0, 12)}…).`);
      console.error("This is the only time the key is shown; store it in a secret manager. Send it as `Authorization: Bearer <key>`.");
      console.log(key);
      return;
    }
    case "revoke": {
      if (!opts.name && !opts.hash) fail("revoke needs --name <who> or --hash <hex prefix> (see `list`)");
      if (opts.hash && !/^[0-9a-f]{6,64}$/.test(opts.hash)) fail("--hash must be at least 6 hex characters of a key's hash");
      const matches = listRecords(opts).filter((r) => (opts.name ? r.name === opts.name : r.hash.startsWith(opts.hash)) && !r.revoked);
      if (matches.length === 0) fail(`no active key matches ${opts.name ? `--name ${opts.name}` : `--hash ${opts.hash}`} in the ${where} namespace`);
      const revoked = new Date().toISOString();
      for (const r of matches) {
        const { hash, ...record } = r;
        put(hash, { name: record.name ?? "", created: record.created ?? "", revoked }, opts);
        console.error(`revoked "${record.name}" (hash ${hash.slice(0, 12)}…); edge caches may accept it for up to a minute longer.`);
      }
      return;
    }
    case "list": {
      const records = listRecords(opts);
      if (records.length === 0) console.error(`no API keys in the ${where} namespace`);
      for (const r of records) console.log(`${r.hash.slice(0, 12)}  ${r.revoked ? "revoked" : "active "}  ${r.created ?? "?"}  ${r.name ?? "?"}`);
      return;
    }
    default:
      fail(opts.command ? `unknown command ${JSON.stringify(opts.command)}` : "missing command");
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

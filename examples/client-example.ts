// Example: call mhelp with the typed client. Runs anywhere with fetch; from this checkout with Node 22:
//
//   npm run dev                                   # local Worker on http://127.0.0.1:8787 (no key needed)
//   node scripts/with-node22.mjs examples/client-example.ts
//   MHELP_URL=https://… MHELP_API_KEY=mhk_… node scripts/with-node22.mjs examples/client-example.ts
//
// (Node 22 runs TypeScript directly by stripping types; in an app, import from "src/client" with your bundler.)
import { MhelpApiError, MhelpClient } from "../src/client/index.ts";

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const mhelp = new MhelpClient({ baseUrl: env.MHELP_URL ?? "http://127.0.0.1:8787", apiKey: env.MHELP_API_KEY });

const health = await mhelp.health();
console.log(`model ${health.model.name}@${health.model.version} (session ${health.session})`);

try {
  const { notice, results } = await mhelp.predict(
    [
      { id: "1", text: "I have had panic attacks every night for a month. Has anyone dealt with this? What helped?" },
      { id: "2", text: "Sharing photos from my garden, the tomatoes finally came in." },
    ],
    { locale: "en-GB", explain: true },
  );
  console.log(notice);
  for (const r of results) {
    const pYes = r.help_seeking.probs.yes ?? 0;
    console.log(`${r.id}: help_seeking=${r.help_seeking.label} (p=${pYes.toFixed(2)}) condition=${r.condition.label} causes=[${r.causes.labels.join(", ")}]`);
    if (r.review.needed) console.log(`   needs human review: ${r.review.reasons.join(", ")}`);
    if (r.resources) console.log(`   crisis resources (${r.resources.country}): ${r.resources.resources.map((x) => `${x.name} ${x.contact}`).join("; ")}`);
    for (const span of r.evidence?.spans ?? []) console.log(`   evidence ${span.start}-${span.end} (weight ${span.weight.toFixed(2)})`);
  }
} catch (err) {
  if (err instanceof MhelpApiError) {
    console.error(`mhelp error ${err.status} ${err.code}: ${err.message}`);
    for (const issue of err.issues) console.error(`  ${issue.path.join(".")}: ${issue.message}`);
  } else throw err;
}

// @ts-check
// The mhelp demo page: posts one text to /v1/predict (same origin, `explain: true`) and renders the result.
// Plain browser JavaScript, no dependencies, no build step; type-checked by `npm run typecheck`
// (tsconfig.demo.json). User text only ever reaches the DOM through textContent, never innerHTML.

/**
 * @typedef {{ label: string, probs: Record<string, number> }} SingleLabel
 * @typedef {{ labels: string[], probs: Record<string, number> }} MultiLabel
 * @typedef {{ start: number, end: number, weight: number, request: number, p_alone: number }} Span
 * @typedef {{ score?: number, spans?: Span[] }} Evidence
 * @typedef {{ name: string, kind?: string, contact?: string, hours?: string, source?: string }} Resource
 * @typedef {{ country?: string, name?: string, emergency?: string, resources?: Resource[], international?: Resource[],
 *   last_reviewed?: string, note?: string, reasons?: string[] }} Resources
 * @typedef {{ id: string, help_seeking: SingleLabel, condition: SingleLabel, causes: MultiLabel,
 *   windows?: number, cached?: boolean, evidence?: Evidence | null,
 *   review?: { needed: boolean, reasons?: string[] }, resources?: Resources | null }} Result
 * @typedef {{ model?: { name: string, version: string }, notice?: string, results: Result[],
 *   warnings?: string[], resources?: Resources | null }} PredictResponse
 */

const MAX_CHARS = 10000;
const EXAMPLE =
  "I've been having panic attacks almost every night since I started my new job. " +
  "My chest gets tight and I can't breathe, and then I lie awake until morning. " +
  "I haven't told my family because they already think I'm not coping. " +
  "Has anyone been through this? What actually helped you?";

/** Readable explanations for the API's review reasons; unknown codes are shown as they are. */
const REVIEW_REASONS = /** @type {Record<string, string>} */ ({
  help_seeking_uncertain: "the help-seeking probability is in the uncertain band",
  condition_uncertain: "no condition is clearly more likely than the others",
  possible_risk: "the post may indicate risk of suicide or self-harm",
  too_short: "the post is too short for the model to judge",
});

/** Why the API attached crisis resources. */
const CRISIS_REASONS = /** @type {Record<string, string>} */ ({
  condition_suicidal: "the post may mention suicide or self-harm",
  help_seeking_high_confidence: "the author very likely asks for help",
});

/** @param {string} id */
function el(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`demo page is missing #${id}`);
  return node;
}

/**
 * @param {string} tag
 * @param {{ className?: string, text?: string, attrs?: Record<string, string> }} [opts]
 * @param {Array<Node | string>} [children]
 */
function h(tag, opts = {}, children = []) {
  const node = document.createElement(tag);
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined) node.textContent = opts.text;
  for (const [k, v] of Object.entries(opts.attrs ?? {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** @param {number} p */
const pct = (p) => `${(p * 100).toFixed(1)}%`;
/** @param {string} s */
const human = (s) => s.replace(/_/g, " ");

/**
 * One probability row: name, bar (role=meter for assistive technology), value.
 * @param {string} name @param {number} p @param {{ selected?: boolean, yes?: boolean }} [opts]
 */
function probRow(name, p, opts = {}) {
  const value = Math.max(0, Math.min(1, Number.isFinite(p) ? p : 0));
  const fill = h("span");
  fill.style.width = `${(value * 100).toFixed(1)}%`;
  const bar = h("div", {
    className: `bar${opts.yes ? " yes" : ""}`,
    attrs: {
      role: "meter",
      "aria-valuemin": "0",
      "aria-valuemax": "100",
      "aria-valuenow": (value * 100).toFixed(1),
      "aria-valuetext": `${human(name)}: ${pct(value)}`,
      "aria-label": `probability of ${human(name)}`,
    },
  }, [fill]);
  return h("div", { className: `prob${opts.selected ? " selected" : ""}`, attrs: { "data-label": name } }, [
    h("span", { className: "name", text: human(name) }),
    bar,
    h("span", { className: "value", text: pct(value) }),
  ]);
}

/** @param {Record<string, number>} probs @param {number} n */
function topN(probs, n) {
  return Object.entries(probs)
    .filter(([, p]) => typeof p === "number")
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);
}

/** @param {Result} r */
function renderHelp(r) {
  const p = r.help_seeking.probs.yes ?? 0;
  const yes = r.help_seeking.label === "yes";
  const label = el("help-label");
  label.replaceChildren(
    yes ? "Yes — likely asking for help" : "No — not clearly asking for help",
    h("span", { className: "sub", text: ` (p = ${pct(p)})` }),
  );
  label.dataset.label = r.help_seeking.label;
  el("help-bar").replaceChildren(probRow("yes", p, { selected: yes, yes: true }));
}

/** @param {Result} r */
function renderCondition(r) {
  const label = el("condition-label");
  const p = r.condition.probs[r.condition.label] ?? 0;
  label.replaceChildren(human(r.condition.label), h("span", { className: "sub", text: ` (p = ${pct(p)})` }));
  label.dataset.label = r.condition.label;
  el("condition-probs").replaceChildren(
    ...topN(r.condition.probs, 4).map(([name, q]) => probRow(name, q, { selected: name === r.condition.label })),
  );
}

/** @param {Result} r */
function renderCauses(r) {
  const labels = r.causes.labels ?? [];
  const target = el("causes-labels");
  target.dataset.labels = labels.join(",");
  if (labels.length === 0) {
    target.replaceChildren("None above threshold");
  } else {
    target.replaceChildren(h("ul", { className: "chips", attrs: { "aria-label": "predicted causes" } }, labels.map((l) => h("li", { text: human(l) }))));
  }
  el("causes-probs").replaceChildren(
    ...topN(r.causes.probs, 4).map(([name, q]) => probRow(name, q, { selected: labels.includes(name) })),
  );
}

/** @param {Result} r */
function renderReview(r) {
  const box = el("review");
  const review = r.review;
  if (!review) {
    box.className = "review ok";
    box.replaceChildren("Review flag not provided by this API version. Treat every result as needing human review.");
    box.dataset.needed = "unknown";
    return;
  }
  box.dataset.needed = String(review.needed);
  if (review.needed) {
    box.className = "review needed";
    const reasons = (review.reasons ?? []).map((code) => h("li", { text: REVIEW_REASONS[code] ?? human(code) }));
    box.replaceChildren(h("strong", { text: "Needs human review." }), ...(reasons.length ? [h("ul", {}, reasons)] : []));
  } else {
    box.className = "review ok";
    box.replaceChildren(h("strong", { text: "No review flag." }), " The model is fairly confident — a person should still read the post.");
  }
}

/** @param {Resource} res */
function resourceItem(res) {
  const contact = res.contact ?? "";
  /** @type {Array<Node | string>} */
  const parts = [h("strong", { text: res.name }), ": "];
  if (/^https:\/\//.test(contact)) parts.push(h("a", { text: contact.replace(/^https:\/\//, ""), attrs: { href: contact, rel: "noopener noreferrer", target: "_blank" } }));
  else parts.push(contact);
  if (res.hours) parts.push(` (${res.hours})`);
  if (res.source && /^https:\/\//.test(res.source) && res.source !== contact) {
    parts.push(" — ", h("a", { text: new URL(res.source).host, attrs: { href: res.source, rel: "noopener noreferrer", target: "_blank" } }));
  }
  return h("li", {}, parts);
}

/** @param {Resources | null | undefined} resources */
function renderResources(resources) {
  const section = el("resources");
  if (!resources || !(resources.resources?.length || resources.international?.length)) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  /** @type {Node[]} */
  const body = [];
  if (resources.emergency) {
    body.push(h("p", {}, [h("strong", { text: `In immediate danger${resources.name ? ` (${resources.name})` : ""}: call ${resources.emergency}.` })]));
  } else if (resources.note) {
    body.push(h("p", { text: resources.note }));
  }
  const why = (resources.reasons ?? []).map((code) => CRISIS_REASONS[code] ?? human(code));
  if (why.length) body.push(h("p", { className: "hint", text: `Shown because ${why.join(" and ")}.` }));
  if (resources.resources?.length) body.push(h("ul", {}, resources.resources.map(resourceItem)));
  if (resources.international?.length && resources.country !== "international") {
    body.push(h("p", { text: "Elsewhere:" }), h("ul", {}, resources.international.map(resourceItem)));
  }
  if (resources.last_reviewed) body.push(h("p", { className: "hint", text: `Directory last reviewed ${resources.last_reviewed}; check numbers against their sources.` }));
  el("resources-body").replaceChildren(...body);
}

/**
 * The submitted text with evidence spans highlighted. Offsets are UTF-16 indices into `text`, end exclusive.
 * @param {string} text @param {Evidence | null | undefined} evidence
 */
function renderEvidence(text, evidence) {
  const target = el("evidence-text");
  const hint = el("evidence-hint");
  const legend = el("evidence-legend");
  const spans = (evidence?.spans ?? [])
    .filter((s) => Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end <= text.length && s.end > s.start && s.weight > 0)
    .sort((a, b) => a.start - b.start);
  if (!evidence) {
    el("evidence-list").replaceChildren();
    hint.textContent = "This API version did not return evidence spans, so nothing is highlighted.";
    target.replaceChildren(text);
    target.dataset.spans = "0";
    legend.hidden = true;
    return;
  }
  const maxPos = Math.max(0, ...spans.map((s) => s.weight));
  /** @type {Array<Node | string>} */
  const out = [];
  let cursor = 0;
  let shown = 0;
  for (const s of spans) {
    if (s.start < cursor) continue; // overlapping spans: keep the first
    if (s.start > cursor) out.push(text.slice(cursor, s.start));
    const piece = text.slice(s.start, s.end);
    const level = maxPos > 0 ? Math.max(1, Math.ceil((s.weight / maxPos) * 3)) : 1;
    out.push(h("mark", {
      className: `ev ev-pos ev-${level}`,
      text: piece,
      attrs: {
        title: `request score ${(s.request * 100).toFixed(1)} %, p(help-seeking) of this sentence on its own ${(s.p_alone * 100).toFixed(1)} %`,
        "data-weight": String(s.weight),
      },
    }));
    shown++;
    cursor = s.end;
  }
  if (cursor < text.length) out.push(text.slice(cursor));
  target.replaceChildren(...out);
  // the same spans as a list, strongest first, with their weights: the highlight colours are not the only cue
  const list = el("evidence-list");
  list.replaceChildren(
    ...[...spans]
      .sort((a, b) => b.weight - a.weight)
      .map((s) => {
        return h("li", {}, [
          h("span", { className: "ev-weight", text: `${(s.weight * 100).toFixed(1)} %` }),
          " ",
          h("q", { text: text.slice(s.start, s.end) }),
        ]);
      }),
  );
  target.dataset.spans = String(shown);
  legend.hidden = shown === 0;
  hint.textContent = shown
    ? "The sentences most likely to be the request for help. Weight (in %) combines how much the sentence reads like the requests annotators marked and the help-seeking probability the model gives that sentence alone; hover for both."
    : "No sentence is shown: a one-sentence post is highlighted only when it is judged help-seeking.";
}

/** @param {PredictResponse} body @param {string} text */
function render(body, text) {
  const r = body.results?.[0];
  if (!r) throw new Error("the API answered without a result");
  el("notice").textContent = body.notice ?? "Decision support for trained humans, not a diagnosis.";
  renderReview(r);
  renderHelp(r);
  renderCondition(r);
  renderCauses(r);
  renderResources(r.resources ?? body.resources);
  renderEvidence(text, r.evidence);
  const meta = [];
  if (body.model) meta.push(`model ${body.model.name}@${body.model.version}`);
  if (typeof r.windows === "number") meta.push(`${r.windows} window${r.windows === 1 ? "" : "s"}`);
  if (typeof r.cached === "boolean") meta.push(r.cached ? "served from cache" : "computed now");
  for (const w of body.warnings ?? []) meta.push(`warning: ${w}`);
  el("meta").textContent = meta.join(" · ");
  const results = el("results");
  results.hidden = false;
  el("results-heading").focus();
}

/** @param {string} message */
function showError(message) {
  const box = el("error");
  box.textContent = message;
  box.hidden = false;
}

async function analyse() {
  const textarea = /** @type {HTMLTextAreaElement} */ (el("post"));
  const button = /** @type {HTMLButtonElement} */ (el("analyse"));
  const status = el("status");
  const text = textarea.value;
  el("error").hidden = true;
  if (text.trim() === "") {
    showError("Paste a post first: the text box is empty.");
    textarea.focus();
    return;
  }
  if (text.length > MAX_CHARS) {
    showError(`The post is ${text.length} characters long; the limit is ${MAX_CHARS}.`);
    return;
  }
  const locale = /** @type {HTMLSelectElement} */ (el("locale")).value;
  const key = /** @type {HTMLInputElement} */ (el("api-key")).value.trim();
  /** @type {Record<string, string>} */
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (key) {
    headers.authorization = `Bearer ${key}`;
    sessionStorage.setItem("mhelp-api-key", key);
  }
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  status.textContent = "Analysing… (the first request after a restart loads the model and takes a few seconds)";
  const explain = /** @type {HTMLInputElement} */ (el("explain")).checked;
  const profile = /** @type {HTMLSelectElement} */ (el("profile")).value;
  /** @param {boolean} withEvidence */
  const send = async (withEvidence) => {
    const res = await fetch("/v1/predict", {
      method: "POST",
      headers,
      body: JSON.stringify({ posts: [{ id: "demo", text }], ...(withEvidence ? { explain: true } : {}), ...(locale ? { locale } : {}), ...(profile !== "balanced" ? { profile } : {}) }),
    });
    /** @type {any} */
    let body = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON */
    }
    return { res, body };
  };
  try {
    let { res, body } = await send(explain);
    let evidenceNote = "";
    // evidence costs extra model passes, so the API limits it to shorter requests; its error names the limit: then
    // the post is analysed without evidence instead of failing
    const explainLimit = /** @type {{message?: string}[]} */ ([...(body?.error?.issues ?? []), body?.error ?? {}]).find((i) => /"explain": true/.test(String(i.message)));
    if (explain && !res.ok && explainLimit) {
      ({ res, body } = await send(false));
      evidenceNote = ` No evidence for this post: ${String(explainLimit.message).replace(/[\s.]*$/, ".")}`;
    }
    if (!res.ok) {
      const message = body?.error?.message ?? `the server answered ${res.status}`;
      const hintFor = res.status === 401 || res.status === 403 ? " Enter an API key under Options." : res.status === 429 ? " Wait a moment and try again." : "";
      throw new Error(`${String(message).replace(/[\s.]*$/, ".")}${hintFor}`);
    }
    render(/** @type {PredictResponse} */ (body), text);
    status.textContent = `Analysis complete.${evidenceNote}`;
  } catch (err) {
    status.textContent = "";
    showError(`Could not analyse the post: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function init() {
  const form = /** @type {HTMLFormElement} */ (el("analyse-form"));
  const textarea = /** @type {HTMLTextAreaElement} */ (el("post"));
  const count = el("post-count");
  const updateCount = () => {
    count.textContent = `${textarea.value.length} / ${MAX_CHARS} characters`;
  };
  const saved = sessionStorage.getItem("mhelp-api-key");
  if (saved) /** @type {HTMLInputElement} */ (el("api-key")).value = saved;
  textarea.addEventListener("input", updateCount);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void analyse();
  });
  // Ctrl/Cmd+Enter in the text box submits, like most chat and comment boxes.
  textarea.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  el("example").addEventListener("click", () => {
    textarea.value = EXAMPLE;
    updateCount();
    textarea.focus();
  });
  el("clear").addEventListener("click", () => {
    textarea.value = "";
    updateCount();
    el("results").hidden = true;
    el("error").hidden = true;
    el("status").textContent = "";
    textarea.focus();
  });
  document.documentElement.dataset.ready = "true";
}

init();

// a module (loaded with type="module"), so nothing here leaks into the page's globals
export {};

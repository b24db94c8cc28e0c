"""Schemathesis hooks for scripts/conformance.mjs (loaded through SCHEMATHESIS_HOOKS=conformance_hooks).

One rule of POST /v1/predict cannot be written in JSON Schema: every post's `id` is unique within a request
(JSON Schema's uniqueItems compares whole items, not one property). The document states it in the
PredictRequest description; this hook applies it to the requests Schemathesis generates as *valid*, so that
a duplicate id is not reported as "schema-valid request rejected". Negative cases are left as generated.

POST /v1/jobs also takes JSONL (`application/x-ndjson`), a media type Schemathesis has no serializer for: its
generated value (a string in the document) is sent as UTF-8 bytes. A negative case that is not a string has no
JSONL form (its JSON text would be a valid JSONL line), so it is sent as the empty body, which the document and
the Worker both reject.
"""

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson_serializer(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return b""


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or meta.generation.mode.is_negative:
        return case
    body = case.body
    if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
        return case
    posts = [p for p in body["posts"] if isinstance(p, dict) and isinstance(p.get("id"), str)]
    taken = {p["id"] for p in posts}
    seen = set()
    for index, post in enumerate(posts):
        if post["id"] in seen:
            fresh = f"post-{index}"
            while fresh in taken:
                fresh += "_"
            post["id"] = fresh
            taken.add(fresh)
        seen.add(post["id"])
    return case

// How a caller uses the prediction and evidence caches (KV): read and write (POST /v1/predict), read only, or
// not at all. Batch jobs take it as their `cache` option (a one-off dump's cache writes would be most of its cost).
export const CACHE_MODES = ["read_write", "read", "off"] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

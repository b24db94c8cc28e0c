// Bindings of the mhelp Worker. The type is generated from wrangler.toml into worker-configuration.d.ts
// (`npm run cf-typegen` after changing bindings or vars):
//   PREDICTIONS        KV prediction cache: key v1:<model>@<version>:<sha256(normalised text)>
//   CACHE_TTL_SECONDS, MAX_POSTS, MAX_CHARS_PER_POST, MAX_TOTAL_CHARS, MAX_BODY_BYTES: strings, parsed
//   and bounded by config.ts
export type Env = Cloudflare.Env;

/** Hono type parameter shared by the app, routes and middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: { requestId: string; config: Config };
}

export interface Config {
  cacheTtlSeconds: number;
  maxPosts: number;
  maxCharsPerPost: number;
  maxTotalChars: number;
  maxBodyBytes: number;
}

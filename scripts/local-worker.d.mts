// Types for scripts/local-worker.mjs (used from the TypeScript browser test).
export interface LocalWorker {
  /** http://127.0.0.1:<port> */
  base: string;
  port: number;
  pid: number;
  /** the last lines wrangler printed */
  log(): string;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function startLocalWorker(options?: { port?: number; readyTimeoutMs?: number; vars?: Record<string, string>; persistTo?: string; config?: string; logLevel?: string; onOutput?: (text: string) => void }): Promise<LocalWorker>;

// Structured logs: one JSON object per line, `{level, msg, ...fields}`, written with the console method of
// its level so Workers Logs files it under that level. Callers pass counts, codes, ids and error classes;
// never post text or post ids.
export type LogLevel = "info" | "warn" | "error";

const WRITERS: Record<LogLevel, (line: string) => void> = {
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  WRITERS[level](JSON.stringify({ level, msg, ...fields }));
}

/** Log fields for a caught error: its class and (unless `withMessage` is false) its message, cut to 500 characters. */
export function errorFields(err: unknown, withMessage = true): { error: string | undefined; message?: string } {
  const name = (err as Error | undefined)?.name;
  return withMessage ? { error: name, message: String((err as Error | undefined)?.message ?? err).slice(0, 500) } : { error: name };
}

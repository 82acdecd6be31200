/**
 * Server logging as JSON lines: one object per event, so control characters in client-supplied
 * text are escaped (no log injection) and secrets never appear unless a caller puts them there.
 * @module
 */

/** Where server events go. */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** A logger writing JSON lines through `write` (stderr by default). */
export function jsonLogger(write: (line: string) => void = (l) => console.error(l)): Logger {
  const emit = (level: string, event: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
  return {
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
  };
}

/** A logger that drops everything (tests that do not inspect logs). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

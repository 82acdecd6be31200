/**
 * Durations as Ollama and Go write them (`5m`, `1h30m`, `250ms`, `0`, `-1`), in milliseconds.
 * @module
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Thrown for text that is not a duration. */
export class DurationSyntaxError extends Error {
  constructor(text: string) {
    super(`expected a duration like 30s, 5m, 1h30m, 0 or -1, found "${text}"`);
    this.name = "DurationSyntaxError";
  }
}

/**
 * Milliseconds in `value`: a string with units, or a bare number of seconds (Ollama's rule).
 * A negative value keeps its sign (callers read it as "forever").
 */
export function parseDuration(value: string | number): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new DurationSyntaxError(String(value));
    return Math.round(value * 1000);
  }
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const match = /^(-?)((?:\d+(?:\.\d+)?(?:ms|s|m|h))+)$/.exec(text);
  if (!match) throw new DurationSyntaxError(text);
  let total = 0;
  for (const part of match[2].matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(part[1]) * UNIT_MS[part[2]];
  }
  return Math.round(match[1] === "-" ? -total : total);
}

/** `ms` written back as a short duration (`5m`, `30s`, `1500ms`, `-1` for negative). */
export function formatDuration(ms: number): string {
  if (ms < 0) return "-1";
  if (ms === 0) return "0";
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

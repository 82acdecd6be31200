/**
 * Reading one setting's value from YAML, an environment variable or a flag, with errors that
 * name where the bad value came from (`config.yaml: server.port`, `SYNAPSE_PORT`, `--port`).
 * @module
 */
import { parseDuration } from "./duration.ts";
import type { Setting, SettingValue } from "./settings.ts";

/** A bad configuration value or key; the message names the key, variable or flag. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function describe(found: unknown): string {
  if (typeof found === "string") {
    return JSON.stringify(found.length > 60 ? found.slice(0, 60) + "…" : found);
  }
  if (Array.isArray(found)) return "a list";
  if (found === null) return "null";
  if (typeof found === "object") return "a mapping";
  return String(found);
}

function expectation(setting: Setting): string {
  switch (setting.type) {
    case "integer": {
      const range = setting.min !== undefined && setting.max !== undefined
        ? ` from ${setting.min} to ${setting.max}`
        : "";
      return `an integer${range}`;
    }
    case "boolean":
      return "true or false";
    case "list":
      return "a list of strings";
    case "duration":
      return "a duration like 30s, 5m, 0 or -1";
    default:
      return setting.choices ? `one of ${setting.choices.join(", ")}` : "a string";
  }
}

function fail(setting: Setting, where: string, found: unknown): never {
  const shown = setting.secret ? "(hidden)" : describe(found);
  throw new ConfigError(`${where} must be ${expectation(setting)}, found ${shown}`);
}

function checkRange(setting: Setting, where: string, value: number, raw: unknown): number {
  if (setting.min !== undefined && value < setting.min) fail(setting, where, raw);
  if (setting.max !== undefined && value > setting.max) fail(setting, where, raw);
  return value;
}

/** A value from parsed YAML (already typed by the YAML parser) for `setting`. */
export function valueFromYaml(setting: Setting, raw: unknown, where: string): SettingValue {
  switch (setting.type) {
    case "integer":
      if (typeof raw !== "number" || !Number.isSafeInteger(raw)) fail(setting, where, raw);
      return checkRange(setting, where, raw, raw);
    case "boolean":
      if (typeof raw !== "boolean") fail(setting, where, raw);
      return raw;
    case "list":
      if (!Array.isArray(raw) || raw.some((v) => typeof v !== "string")) {
        fail(setting, where, raw);
      }
      return raw as string[];
    case "duration":
      return durationFrom(setting, where, raw);
    default:
      if (typeof raw !== "string") fail(setting, where, raw);
      return chosen(setting, where, raw);
  }
}

/** `text` when the setting takes any string or lists it among its choices. */
function chosen(setting: Setting, where: string, text: string): string {
  if (setting.choices && !setting.choices.includes(text)) fail(setting, where, text);
  return text;
}

function durationFrom(setting: Setting, where: string, raw: unknown): number {
  if (typeof raw !== "string" && typeof raw !== "number") fail(setting, where, raw);
  let ms: number;
  try {
    ms = parseDuration(raw);
  } catch {
    fail(setting, where, raw);
  }
  return checkRange(setting, where, ms, raw);
}

/** A value from text (an environment variable or a flag) for `setting`. */
export function valueFromText(setting: Setting, text: string, where: string): SettingValue {
  switch (setting.type) {
    case "integer": {
      if (!/^-?\d+$/.test(text.trim())) fail(setting, where, text);
      const n = Number(text.trim());
      if (!Number.isSafeInteger(n)) fail(setting, where, text);
      return checkRange(setting, where, n, text);
    }
    case "boolean": {
      const t = text.trim().toLowerCase();
      if (["1", "true", "yes", "on", ""].includes(t)) return true;
      if (["0", "false", "no", "off"].includes(t)) return false;
      return fail(setting, where, text);
    }
    case "list":
      return text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    case "duration":
      return durationFrom(setting, where, text);
    default:
      return chosen(setting, where, text);
  }
}

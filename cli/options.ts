/**
 * Command-line options from the settings table: each command names the settings it takes as
 * flags (each mirrored by its `SYNAPSE_*` variable) plus its own switches; the same description
 * parses argv and writes `--help`.
 * @module
 */
import { parseArgs } from "node:util";
import {
  cliSwitch,
  formatDuration,
  type Setting,
  settingByKey,
  type SettingValue,
} from "../config/mod.ts";

/** A switch of one command that is not a setting (still mirrored by a variable). */
export interface CommandSwitch {
  /** Long flag without dashes. */
  name: string;
  type: "boolean" | "string";
  /** The variable that sets it when the flag is absent, e.g. `SYNAPSE_JSON`. */
  env: string;
  doc: string;
  meta?: string;
}

/** How a command is called. */
export interface CommandSpec {
  name: string;
  /** e.g. `synapse pull NAME`. */
  usage: string;
  summary: string;
  /** Settings keys it takes as flags, e.g. `server.port`. */
  settings: readonly string[];
  switches?: readonly CommandSwitch[];
  /** Most positional arguments (default 0). */
  maxPositionals?: number;
  /** Least positional arguments (default 0). */
  minPositionals?: number;
  /** Extra help text after the options. */
  notes?: string;
}

/** Parsed arguments. */
export interface ParsedArgs {
  /** Flag text by setting key, for `loadConfig({ flags })`. */
  flags: Record<string, string | boolean>;
  /** Switch values by name (flag, else variable). */
  switches: Record<string, string | boolean | undefined>;
  positionals: string[];
  help: boolean;
}

/** A usage mistake; the message is one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The JSON switch every listing takes. */
export const JSON_SWITCH: CommandSwitch = cliSwitch("json");

function truthy(text: string): boolean {
  return ["1", "true", "yes", "on"].includes(text.trim().toLowerCase());
}

/** Parses `argv` for `spec`; throws UsageError for unknown flags or wrong argument counts. */
export function parseCommandArgs(
  spec: CommandSpec,
  argv: readonly string[],
  vars: Readonly<Record<string, string | undefined>>,
): ParsedArgs {
  const settings = spec.settings.map(settingByKey);
  const options: Record<string, { type: "boolean" | "string"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const s of settings) {
    options[s.flag!] = { type: s.type === "boolean" ? "boolean" : "string" };
  }
  for (const sw of spec.switches ?? []) options[sw.name] = { type: sw.type };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message.split("\n")[0]} (see synapse ${spec.name} --help)`,
    );
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const flags: Record<string, string | boolean> = {};
  for (const s of settings) {
    const v = values[s.flag!];
    if (v !== undefined) flags[s.key] = v;
  }
  const switches: ParsedArgs["switches"] = {};
  for (const sw of spec.switches ?? []) {
    const fromEnv = vars[sw.env];
    switches[sw.name] = values[sw.name] ??
      (fromEnv === undefined ? undefined : sw.type === "boolean" ? truthy(fromEnv) : fromEnv);
  }
  const help = values.help === true;
  const count = parsed.positionals.length;
  if (!help && count < (spec.minPositionals ?? 0)) {
    throw new UsageError(`missing argument; usage: ${spec.usage}`);
  }
  if (!help && count > (spec.maxPositionals ?? 0)) {
    throw new UsageError(
      `unexpected argument "${parsed.positionals[spec.maxPositionals ?? 0]}"; usage: ${spec.usage}`,
    );
  }
  return { flags, switches, positionals: parsed.positionals, help };
}

function shownDefault(s: Setting, value: SettingValue): string {
  if (s.secret) return "";
  if (s.type === "duration") return ` [default ${formatDuration(value as number)}]`;
  if (Array.isArray(value)) return value.length ? ` [default ${value.join(",")}]` : "";
  return value === "" ? "" : ` [default ${value}]`;
}

/** The `--help` text of `spec`. */
export function commandHelp(spec: CommandSpec): string {
  const rows: [string, string][] = spec.settings.map((key) => {
    const s = settingByKey(key);
    const meta = s.type === "boolean" ? "" : ` ${s.meta ?? "VALUE"}`;
    return [`--${s.flag}${meta}`, `${s.doc}${shownDefault(s, s.default)} (${s.env})`];
  });
  for (const sw of spec.switches ?? []) {
    rows.push([
      `--${sw.name}${sw.type === "string" ? ` ${sw.meta ?? "VALUE"}` : ""}`,
      `${sw.doc} (${sw.env})`,
    ]);
  }
  rows.push(["-h, --help", "Show this help"]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    spec.summary,
    "",
    `Usage: ${spec.usage}`,
    "",
    "Options:",
    ...rows.map(([flag, doc]) => `  ${flag.padEnd(width)}  ${doc}`),
    ...(spec.notes ? ["", spec.notes] : []),
    "",
  ].join("\n");
}

/**
 * Helpers every command uses: configuration from flags and variables, talking to a running
 * server, and plain-text tables and sizes.
 * @module
 */
import { type Config, loadConfig } from "../config/mod.ts";
import type { CommandEnv } from "./command.ts";
import { commandHelp, type CommandSpec, parseCommandArgs, type ParsedArgs } from "./options.ts";

/** Parses argv for `spec`; returns null after printing help for `--help`. */
export function argsOrHelp(spec: CommandSpec, argv: string[], env: CommandEnv): ParsedArgs | null {
  const parsed = parseCommandArgs(spec, argv, env.vars);
  if (parsed.help) {
    env.print(commandHelp(spec));
    return null;
  }
  return parsed;
}

/** The configuration for this command (creates SYNAPSE_HOME and config.yaml on first run). */
export function commandConfig(env: CommandEnv, parsed: ParsedArgs): Promise<Config> {
  return loadConfig(env.home, { vars: env.vars, flags: parsed.flags });
}

/** The base URL of the server the configuration describes (a wildcard bind is reached on loopback). */
export function serverUrl(config: Config): string {
  const host = ["0.0.0.0", "::", ""].includes(config.server.host)
    ? "127.0.0.1"
    : config.server.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.server.port}`;
}

/** Calls the running server; null when none answers. */
export async function callServer(
  config: Config,
  path: string,
  init: RequestInit = {},
): Promise<Response | null> {
  const headers = new Headers(init.headers);
  if (config.server.apiKey) headers.set("authorization", `Bearer ${config.server.apiKey}`);
  try {
    return await fetch(`${serverUrl(config)}${path}`, {
      ...init,
      headers,
      signal: init.signal ?? AbortSignal.timeout(5000),
    });
  } catch {
    return null;
  }
}

/** `1.2 GB`, `340 MB`, `12 KB`. */
export function humanBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** A left-aligned text table with a header row. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("   ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/** `3 minutes ago`, `2 days ago`. */
export function ago(date: Date, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - date.getTime()) / 1000));
  const steps: [number, string][] = [[86400, "day"], [3600, "hour"], [60, "minute"], [1, "second"]];
  for (const [size, name] of steps) {
    if (s >= size) {
      const n = Math.floor(s / size);
      return `${n} ${name}${n === 1 ? "" : "s"} ago`;
    }
  }
  return "just now";
}

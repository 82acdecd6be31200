/**
 * The real process's `CommandEnv`: environment variables it is allowed to read, SYNAPSE_HOME,
 * and stdout/stderr.
 * @module
 */
import { resolveHome } from "../config/mod.ts";
import type { CommandEnv } from "./command.ts";

/** Variables read one by one when the process may not list the whole environment. */
const KNOWN_VARS = [
  "HOME",
  "USERPROFILE",
  "NO_COLOR",
  "HF_ENDPOINT",
  "HF_TOKEN",
  "SYNAPSE_HOME",
  "SYNAPSE_HOST",
  "SYNAPSE_PORT",
  "SYNAPSE_API_KEY",
  "SYNAPSE_MODEL",
  "SYNAPSE_SPECIALISTS",
  "SYNAPSE_ALLOWED_HOSTS",
  "SYNAPSE_ALLOWED_ORIGINS",
  "SYNAPSE_MAX_BODY_BYTES",
  "SYNAPSE_KEEP_ALIVE",
  "SYNAPSE_INSECURE_NO_AUTH",
  "SYNAPSE_LOG_PROMPTS",
  "SYNAPSE_JSON",
];

/** Reads the environment: all of it with `--allow-env`, else each known variable it may read. */
export function readEnvVars(): Record<string, string | undefined> {
  try {
    return Deno.env.toObject();
  } catch {
    const vars: Record<string, string | undefined> = {};
    for (const name of KNOWN_VARS) {
      try {
        const value = Deno.env.get(name);
        if (value !== undefined) vars[name] = value;
      } catch {
        // Not permitted: the variable counts as unset.
      }
    }
    return vars;
  }
}

const encoder = new TextEncoder();

/** The `CommandEnv` of this process. */
export function processEnv(vars: Record<string, string | undefined> = readEnvVars()): CommandEnv {
  return {
    home: resolveHome(vars),
    vars,
    print: (text) => void Deno.stdout.writeSync(encoder.encode(text)),
    printError: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
  };
}

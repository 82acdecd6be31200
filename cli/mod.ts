/**
 * The `synapse` command line: the command table, dispatch, and the process environment.
 * @module
 */
export { dispatch, findCommand, oneLine, usage, VERSION } from "./dispatch.ts";
export { COMMANDS } from "./commands.ts";
export { processEnv, readEnvVars } from "./env.ts";
export type { Command, CommandEnv, CommandMain } from "./command.ts";

import { dispatch, oneLine } from "./dispatch.ts";
import { processEnv } from "./env.ts";

/** Runs `synapse` with `argv` (without the program name) in this process; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let env;
  try {
    env = processEnv();
  } catch (error) {
    console.error(`synapse: ${oneLine(error)}`);
    return 1;
  }
  return await dispatch(argv, env);
}

/**
 * Runs CLI commands in this process with a temporary SYNAPSE_HOME and captured output.
 * @module
 */
import { type CommandEnv, dispatch } from "../../cli/mod.ts";

/** What a command printed and returned. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** A temporary home plus a runner for `synapse ARGS` in it. */
export async function tempCli(vars: Record<string, string> = {}) {
  const home = await Deno.makeTempDir({ prefix: "synapse-cli-" });
  const run = async (argv: string[], extra: Record<string, string> = {}): Promise<CliResult> => {
    let out = "";
    let err = "";
    const env: CommandEnv = {
      home,
      vars: { SYNAPSE_HOME: home, ...vars, ...extra },
      print: (t) => void (out += t),
      printError: (t) => void (err += t),
    };
    const code = await dispatch(argv, env);
    return { code, out, err };
  };
  return { home, run, cleanup: () => Deno.remove(home, { recursive: true }) };
}

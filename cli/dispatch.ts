/**
 * Finds the command named by the first argument and runs it; prints the command list for
 * `--help`, and a one-line reason with a non-zero exit for anything it cannot run.
 * @module
 */
import type { Command, CommandEnv } from "./command.ts";
import { COMMANDS } from "./commands.ts";

/** The version `synapse --version` prints. */
export const VERSION = "0.1.0";

/** Finds a command by name or alias in `commands`. */
export function findCommand(
  name: string,
  commands: readonly Command[] = COMMANDS,
): Command | undefined {
  return commands.find((c) => c.name === name || c.aliases?.includes(name));
}

/** The text `synapse --help` prints. */
export function usage(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => [c.name, ...(c.aliases ?? [])].join(", ").length));
  const lines = commands.map((c) =>
    `  ${[c.name, ...(c.aliases ?? [])].join(", ").padEnd(width)}  ${c.summary}`
  );
  return [
    "synapse: a local LLM engine with OpenAI- and Ollama-compatible APIs",
    "",
    "Usage: synapse COMMAND [options]   (synapse COMMAND --help for its options)",
    "",
    "Commands:",
    ...lines,
    "",
  ].join("\n");
}

/**
 * Runs the command named by `argv[0]` with the rest of `argv`; returns its exit code.
 * Errors a command throws are printed as one line (their message) with exit code 1.
 */
export async function dispatch(
  argv: readonly string[],
  env: CommandEnv,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    env.print(usage(commands));
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    env.print(`synapse ${VERSION}\n`);
    return 0;
  }
  const command = findCommand(name, commands);
  if (!command) {
    env.printError(`synapse: unknown command "${name}"; run "synapse --help" for the list\n`);
    return 2;
  }
  try {
    const run = await command.load();
    return await run(rest, env);
  } catch (error) {
    env.printError(`synapse ${command.name}: ${oneLine(error)}\n`);
    return 1;
  }
}

/** The first line of an error's message, without a stack trace. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0];
}

/**
 * What a CLI command is: a name, a one-line summary for `synapse --help`, and a lazily loaded
 * entry point, so `synapse list` never loads the GPU engine.
 * @module
 */

/** What every command gets besides its arguments. */
export interface CommandEnv {
  /** SYNAPSE_HOME, resolved to an absolute path (default `~/.synapse`); may not exist yet. */
  readonly home: string;
  /** The environment variables this process may read (`SYNAPSE_*`, `HF_*`, `HOME`, ...). */
  readonly vars: Readonly<Record<string, string | undefined>>;
  /** Writes `text` to standard output as is (add the newline yourself). */
  print(text: string): void;
  /** Writes `text` to standard error as is (add the newline yourself). */
  printError(text: string): void;
}

/**
 * A command's entry point: gets the arguments after the command name and returns the exit code
 * (0 on success). It handles its own `--help`.
 */
export type CommandMain = (argv: string[], env: CommandEnv) => Promise<number>;

/** One entry of the command table. */
export interface Command {
  /** The verb typed after `synapse`, e.g. `pull`. */
  readonly name: string;
  /** Other verbs that run the same command, e.g. `serve` for `up`. */
  readonly aliases?: readonly string[];
  /** One line for `synapse --help`. */
  readonly summary: string;
  /** Imports the command's module and returns its entry point. */
  load(): Promise<CommandMain>;
}

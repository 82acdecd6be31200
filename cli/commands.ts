/**
 * The command table: adding a command is one line here (name, summary, lazy import).
 * @module
 */
import type { Command } from "./command.ts";

/** Every `synapse` command, in the order `synapse --help` lists them. */
export const COMMANDS: readonly Command[] = [
  {
    name: "run",
    summary: "Generate from a model once: synapse run MODEL PROMPT",
    load: async () => (await import("./run.ts")).runCommand,
  },
  {
    name: "memory",
    summary: "Query and edit the knowledge graph: facts|add|forget|search|export|import",
    load: async () => (await import("./memory.ts")).memoryCommand,
  },
];

/**
 * The command table: adding a command is one line here (name, summary, lazy import).
 * @module
 */
import type { Command } from "./command.ts";

/** Every `synapse` command, in the order `synapse --help` lists them. */
export const COMMANDS: readonly Command[] = [
  {
    name: "up",
    aliases: ["serve"],
    summary: "Serve the OpenAI- and Ollama-compatible APIs (127.0.0.1:6900)",
    load: async () => (await import("./up.ts")).upCommand,
  },
  {
    name: "run",
    summary: "Generate from a model once: synapse run MODEL PROMPT",
    load: async () => (await import("./run.ts")).runCommand,
  },
  {
    name: "chat",
    summary: "Talk to a model in an interactive, streaming session",
    load: async () => (await import("./chat.ts")).chatCommand,
  },
  {
    name: "pull",
    summary: "Download a model from the Hugging Face hub: synapse pull qwen3:0.6b",
    load: async () => (await import("./pull.ts")).pullCommand,
  },
  {
    name: "list",
    aliases: ["models", "ls"],
    summary: "List the models on disk",
    load: async () => (await import("./list.ts")).listCommand,
  },
  {
    name: "rm",
    summary: "Delete models from disk",
    load: async () => (await import("./rm.ts")).rmCommand,
  },
  {
    name: "show",
    summary: "Show a model's files, hashes and source",
    load: async () => (await import("./show.ts")).showCommand,
  },
  {
    name: "ps",
    summary: "List the models a running server has loaded",
    load: async () => (await import("./ps.ts")).psCommand,
  },
  {
    name: "status",
    summary: "Show the device, memory, loaded models and specialists",
    load: async () => (await import("./status.ts")).statusCommand,
  },
  {
    name: "bench",
    summary: "Measure prefill, decode and time to first token (llama-bench style)",
    load: async () => (await import("./bench.ts")).benchCommand,
  },
  {
    name: "memory",
    summary: "Query and edit the knowledge graph: facts|add|forget|search|export|import",
    load: async () => (await import("./memory.ts")).memoryCommand,
  },
];

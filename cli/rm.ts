/**
 * `synapse rm NAME...`: deletes stored models, asking a running server to unload each first.
 * @module
 */
import { ModelStore } from "../store/mod.ts";
import type { CommandEnv } from "./command.ts";
import { argsOrHelp, callServer, commandConfig } from "./common.ts";
import { type CommandSpec, UsageError } from "./options.ts";

/** How `rm` is called. */
export const RM_SPEC: CommandSpec = {
  name: "rm",
  usage: "synapse rm NAME [NAME...]",
  summary: "Delete models from SYNAPSE_HOME/models (unloading them from a running server first)",
  settings: ["server.host", "server.port"],
  minPositionals: 1,
  maxPositionals: 64,
};

/** Runs `rm`. */
export async function rmCommand(argv: string[], env: CommandEnv): Promise<number> {
  const args = argsOrHelp(RM_SPEC, argv, env);
  if (!args) return 0;
  const config = await commandConfig(env, args);
  const store = new ModelStore(config.layout.modelsDir);
  for (const name of args.positionals) {
    if (!(await store.get(name))) {
      throw new UsageError(`model "${name}" is not in the store (synapse list shows what is)`);
    }
    // Ollama's way to unload: keep_alive 0 with no prompt. No server running is fine.
    const unload = await callServer(config, "/api/generate", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: name, keep_alive: 0 }),
    });
    await unload?.body?.cancel();
    await store.remove(name);
    env.print(`deleted ${name}\n`);
  }
  return 0;
}

/**
 * `synapse list` (alias `models`): the models in the store plus the embedded default model.
 * @module
 */
import { ModelStore } from "../store/mod.ts";
import type { CommandEnv } from "./command.ts";
import { ago, argsOrHelp, commandConfig, humanBytes, table } from "./common.ts";
import { type CommandSpec, JSON_SWITCH } from "./options.ts";

/** How `list` is called. */
export const LIST_SPEC: CommandSpec = {
  name: "list",
  usage: "synapse list [--json]",
  summary: "List the models in SYNAPSE_HOME/models (and the embedded default model)",
  settings: [],
  switches: [JSON_SWITCH],
};

/** Runs `list`. */
export async function listCommand(argv: string[], env: CommandEnv): Promise<number> {
  const args = argsOrHelp(LIST_SPEC, argv, env);
  if (!args) return 0;
  const config = await commandConfig(env, args);
  const stored = await new ModelStore(config.layout.modelsDir).list();
  const rows = [
    {
      name: "default:latest",
      format: "embedded",
      size: 0,
      modified: null as Date | null,
      path: "(built in)",
    },
    ...stored.map((m) => ({
      name: m.name,
      format: m.manifest.format,
      size: m.size,
      modified: new Date(m.manifest.storedAt),
      path: m.path,
    })),
  ];
  if (args.switches.json) {
    env.print(
      JSON.stringify(
        { models: rows.map((r) => ({ ...r, modified: r.modified?.toISOString() ?? null })) },
        null,
        2,
      ) + "\n",
    );
    return 0;
  }
  env.print(table(
    ["NAME", "FORMAT", "SIZE", "MODIFIED"],
    rows.map((
      r,
    ) => [r.name, r.format, r.size ? humanBytes(r.size) : "-", r.modified ? ago(r.modified) : "-"]),
  ));
  return 0;
}

/**
 * `synapse ps`: the models a running server has loaded (Ollama's `ps`).
 * @module
 */
import type { CommandEnv } from "./command.ts";
import { argsOrHelp, callServer, commandConfig, humanBytes, serverUrl, table } from "./common.ts";
import { type CommandSpec, JSON_SWITCH, UsageError } from "./options.ts";

/** How `ps` is called. */
export const PS_SPEC: CommandSpec = {
  name: "ps",
  usage: "synapse ps [--json]",
  summary: "List the models a running server has loaded",
  settings: ["server.host", "server.port"],
  switches: [JSON_SWITCH],
};

interface PsModel {
  name: string;
  size: number;
  expires_at: string;
  details: { family: string; parameter_size: string; quantization_level: string };
}

/** Runs `ps`. */
export async function psCommand(argv: string[], env: CommandEnv): Promise<number> {
  const args = argsOrHelp(PS_SPEC, argv, env);
  if (!args) return 0;
  const config = await commandConfig(env, args);
  const response = await callServer(config, "/api/ps");
  if (!response) {
    throw new UsageError(
      `no synapse server answers at ${serverUrl(config)} (start one with synapse up)`,
    );
  }
  if (!response.ok) {
    throw new UsageError(`${serverUrl(config)}/api/ps answered HTTP ${response.status}`);
  }
  const body = await response.json() as { models: PsModel[] };
  if (args.switches.json) {
    env.print(JSON.stringify(body, null, 2) + "\n");
    return 0;
  }
  env.print(table(
    ["NAME", "FAMILY", "PARAMETERS", "QUANT", "SIZE", "UNTIL"],
    body.models.map((m) => [
      m.name,
      m.details.family,
      m.details.parameter_size,
      m.details.quantization_level,
      m.size ? humanBytes(m.size) : "-",
      m.expires_at.startsWith("9999") ? "forever" : new Date(m.expires_at).toLocaleTimeString(),
    ]),
  ));
  return 0;
}

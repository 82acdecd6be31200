/**
 * `synapse pull NAME`: downloads a model named in the registry (config) from the hub into the
 * store, with a progress line, resume and verification.
 * @module
 */
import { HubClient, pullModel } from "../hub/mod.ts";
import { ModelStore, parseModelName } from "../store/mod.ts";
import type { CommandEnv } from "./command.ts";
import { argsOrHelp, commandConfig, humanBytes } from "./common.ts";
import { type CommandSpec, JSON_SWITCH, UsageError } from "./options.ts";
import { progressReporter } from "./progress.ts";

/** How `pull` is called. */
export const PULL_SPEC: CommandSpec = {
  name: "pull",
  usage: "synapse pull NAME   (e.g. qwen3:0.6b)",
  summary: "Download a model from the Hugging Face hub into SYNAPSE_HOME/models",
  settings: ["hub.endpoint"],
  switches: [JSON_SWITCH],
  minPositionals: 1,
  maxPositionals: 1,
  notes: "Names come from the registry in config.yaml (built in: qwen2.5:0.5b, qwen2.5:3b,\n" +
    "qwen3:0.6b, ...). An interrupted pull resumes where it stopped; HF_TOKEN is honoured.",
};

/** Runs `pull`. */
export async function pullCommand(argv: string[], env: CommandEnv): Promise<number> {
  const args = argsOrHelp(PULL_SPEC, argv, env);
  if (!args) return 0;
  const config = await commandConfig(env, args);
  const name = args.positionals[0];
  parseModelName(name);
  const lower = name.toLowerCase();
  const entry = config.registry[lower] ?? config.registry[name] ??
    (lower.includes(":") ? undefined : config.registry[`${lower}:latest`]);
  if (!entry) {
    const known = Object.keys(config.registry).sort().join(", ");
    throw new UsageError(
      `no model "${name}" in the registry; known: ${known} (add more under registry: in config.yaml)`,
    );
  }
  const client = new HubClient({
    endpoint: config.hub.endpoint,
    token: config.hub.token,
    allowedHosts: config.hub.allowedHosts,
  });
  const json = args.switches.json === true;
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("interrupted; run pull again to resume"));
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    const stored = await pullModel({
      name,
      entry,
      store: new ModelStore(config.layout.modelsDir),
      client,
      signal: abort.signal,
      onProgress: progressReporter(env.printError, {
        json,
        tty: !json && Deno.stderr.isTerminal(),
      }),
    });
    if (json) {
      env.print(JSON.stringify({ name: stored.name, path: stored.path, size: stored.size }) + "\n");
    } else env.print(`pulled ${stored.name} (${humanBytes(stored.size)}) into ${stored.dir}\n`);
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

/**
 * `synapse show NAME`: a stored model's manifest (format, files, sizes, sha256, source), with
 * `--verify` to re-hash its files.
 * @module
 */
import { ModelStore } from "../store/mod.ts";
import { cliSwitch } from "../config/mod.ts";
import type { CommandEnv } from "./command.ts";
import { argsOrHelp, commandConfig, humanBytes } from "./common.ts";
import { type CommandSpec, JSON_SWITCH, UsageError } from "./options.ts";

/** How `show` is called. */
export const SHOW_SPEC: CommandSpec = {
  name: "show",
  usage: "synapse show NAME [--verify] [--json]",
  summary: "Show a stored model: format, files, sizes, sha256 and where it came from",
  settings: [],
  switches: [JSON_SWITCH, cliSwitch("verify")],
  minPositionals: 1,
  maxPositionals: 1,
};

/** Runs `show`. */
export async function showCommand(argv: string[], env: CommandEnv): Promise<number> {
  const args = argsOrHelp(SHOW_SPEC, argv, env);
  if (!args) return 0;
  const config = await commandConfig(env, args);
  const store = new ModelStore(config.layout.modelsDir);
  const name = args.positionals[0];
  const model = await store.get(name);
  if (!model) {
    throw new UsageError(`model "${name}" is not in the store (synapse list shows what is)`);
  }
  const problems = args.switches.verify ? await store.verify(model) : undefined;
  if (args.switches.json) {
    env.print(
      JSON.stringify(
        {
          name: model.name,
          path: model.path,
          size: model.size,
          manifest: model.manifest,
          problems,
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    const m = model.manifest;
    const lines = [
      `name      ${model.name}`,
      `format    ${m.format}`,
      `path      ${model.path}`,
      `size      ${humanBytes(model.size)}`,
      `source    ${m.source ? `${m.source.endpoint}/${m.source.repo}@${m.source.revision}` : "-"}`,
      `stored    ${m.storedAt}`,
      "files",
      ...m.files.map((f) => `  ${f.path}  ${humanBytes(f.size)}  sha256:${f.sha256}`),
    ];
    if (problems) {
      lines.push(problems.length === 0 ? "verify    ok" : `verify    ${problems.join("; ")}`);
    }
    env.print(lines.join("\n") + "\n");
  }
  return problems && problems.length > 0 ? 1 : 0;
}

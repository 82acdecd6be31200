/**
 * `synapse up` (alias `serve`): serves the OpenAI and Ollama APIs on 127.0.0.1:6900 by default,
 * with narrow Deno permissions, until SIGINT/SIGTERM (then drains and exits 0).
 * @module
 */
import { resolve } from "node:path";
import { cliSwitch, type Config } from "../config/mod.ts";
import { isLoopbackHost } from "../server/mod.ts";
import type { CommandEnv } from "./command.ts";
import { argsOrHelp, commandConfig } from "./common.ts";
import { type CommandSpec, UsageError } from "./options.ts";
import { canNarrow, runNarrowed } from "./sandbox.ts";
import { startStack } from "./stack.ts";

/** How `up` is called. */
export const UP_SPEC: CommandSpec = {
  name: "up",
  usage: "synapse up [--port PORT] [--host ADDR] [--model NAME|PATH] [--specialists DIR]",
  summary: "Serve the OpenAI- and Ollama-compatible APIs (http://127.0.0.1:6900 by default)",
  settings: [
    "server.host",
    "server.port",
    "server.api_key",
    "server.insecure_no_auth",
    "server.allowed_hosts",
    "server.allowed_origins",
    "server.parallel",
    "models.default",
    "models.backend",
    "models.keep_alive",
    "models.specialists",
  ],
  switches: [cliSwitch("no-sandbox")],
  notes: "With nothing pulled, the embedded tiny model answers as default:latest.\n" +
    "Under broad permissions (deno task up uses -A) up re-runs itself with --allow-net on its\n" +
    "address and read/write limited to SYNAPSE_HOME (see docs/decisions/0006-serve-permissions.md).",
};

/** Refuses a non-loopback bind without a key unless explicitly insecure; returns a warning. */
export function checkExposure(config: Config): string | null {
  if (isLoopbackHost(config.server.host)) return null;
  if (!config.server.apiKey && !config.server.insecureNoAuth) {
    throw new UsageError(
      `binding ${config.server.host} exposes the server beyond this machine: set SYNAPSE_API_KEY ` +
        "(or --api-key), or pass --insecure-no-auth",
    );
  }
  return `warning: listening on ${config.server.host}, reachable from other machines` +
    (config.server.apiKey ? " (API key required)" : " WITHOUT an API key");
}

function readPaths(config: Config): string[] {
  const paths: string[] = [];
  const model = config.models.default;
  if (model.includes("/") || /\.gguf$/i.test(model)) paths.push(resolve(model));
  if (config.models.specialists) paths.push(resolve(config.models.specialists));
  return paths;
}

function waitForSignal(): Promise<Deno.Signal> {
  return new Promise((resolveSignal) => {
    const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
    for (const signal of signals) {
      const listener = () => {
        for (const s of signals) Deno.removeSignalListener(s, listener);
        resolveSignal(signal);
      };
      Deno.addSignalListener(signal, listener);
    }
  });
}

/** Runs `up`. */
export async function upCommand(argv: string[], env: CommandEnv): Promise<number> {
  const args = argsOrHelp(UP_SPEC, argv, env);
  if (!args) return 0;
  const config = await commandConfig(env, args);
  const warning = checkExposure(config);
  if (!args.switches["no-sandbox"] && canNarrow()) {
    return await runNarrowed({
      home: config.layout.root,
      host: config.server.host,
      port: config.server.port,
      readPaths: readPaths(config),
    }, argv);
  }
  if (warning) env.printError(warning + "\n");
  const stack = await startStack(config);
  env.printError(
    `synapse ${stack.url} serving ${stack.defaultModel} (SYNAPSE_HOME ${config.layout.root})\n`,
  );
  const signal = await waitForSignal();
  env.printError(`${signal}: draining (up to ${config.server.drainTimeout} ms), then exiting\n`);
  await stack.close();
  return 0;
}

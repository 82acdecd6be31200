/**
 * `synapse status`: device (GPU adapter, memory), the running server's loaded models, queue
 * and specialists, or, with no server running, what is on disk.
 * @module
 */
import { ModelStore } from "../store/mod.ts";
import type { CommandEnv } from "./command.ts";
import { argsOrHelp, callServer, commandConfig, humanBytes, serverUrl } from "./common.ts";
import { describeDevice, type DeviceReport } from "./device.ts";
import { type CommandSpec, JSON_SWITCH } from "./options.ts";

/** How `status` is called. */
export const STATUS_SPEC: CommandSpec = {
  name: "status",
  usage: "synapse status [--json]",
  summary: "Show the device, memory, loaded models and specialists (of a running server, if any)",
  settings: ["server.host", "server.port"],
  switches: [JSON_SWITCH],
};

function deviceLines(device: DeviceReport): string[] {
  const g = device.gpu;
  const lines = [
    g.available
      ? `gpu        ${g.description || g.device || g.vendor || "WebGPU adapter"}${
        g.fallback ? " (software)" : ""
      }`
      : "gpu        none (WebGPU unavailable)",
  ];
  if (g.maxBufferSize) {
    lines.push(
      `gpu limits max buffer ${humanBytes(g.maxBufferSize)}, f16 ${g.shaderF16 ? "yes" : "no"}`,
    );
  }
  if (device.memory) {
    lines.push(
      `memory     ${humanBytes(device.memory.available)} free of ${
        humanBytes(device.memory.total)
      }`,
    );
  }
  return lines;
}

/** Runs `status`. */
export async function statusCommand(argv: string[], env: CommandEnv): Promise<number> {
  const args = argsOrHelp(STATUS_SPEC, argv, env);
  if (!args) return 0;
  const config = await commandConfig(env, args);
  const response = await callServer(config, "/api/status");
  const server = response?.ok ? await response.json() as Record<string, unknown> : null;
  await response?.body?.cancel().catch(() => {});
  const device = (server?.device as DeviceReport | undefined) ?? await describeDevice();
  const stored = await new ModelStore(config.layout.modelsDir).list();
  if (args.switches.json) {
    env.print(
      JSON.stringify(
        {
          home: env.home,
          server: server ? { url: serverUrl(config), ...server } : null,
          device,
          stored_models: stored.map((m) => ({ name: m.name, size: m.size })),
        },
        null,
        2,
      ) + "\n",
    );
    return 0;
  }
  const lines = [`home       ${env.home}`, ...deviceLines(device)];
  if (!server) {
    lines.push(`server     not running at ${serverUrl(config)} (synapse up starts it)`);
  } else {
    const models = server.models as {
      name: string;
      family: string;
      active_requests: number;
      adapters: string[];
      gpu_bytes: number | null;
      runs_on?: string;
    }[];
    const queue = server.queue as { running: number; waiting: number; parallel: number };
    lines.push(
      `server     ${serverUrl(config)}, up ${server.uptime_s} s, version ${server.version}`,
      `queue      ${queue.running}/${queue.parallel} generating, ${queue.waiting} waiting`,
      `loaded     ${
        models.length
          ? models.map((m) =>
            `${m.name} (${m.family}${m.runs_on ? ` on ${m.runs_on}` : ""}, ` +
            `${m.active_requests} active` +
            `${m.gpu_bytes ? `, ${humanBytes(m.gpu_bytes)} on the device` : ""})`
          ).join(", ")
          : "none"
      }`,
    );
    const specialists = server.specialists as { name: string }[] | undefined;
    if (specialists) {
      lines.push(`specialists ${specialists.map((s) => s.name).join(", ") || "none"}`);
    }
  }
  lines.push(
    `stored     ${
      stored.length ? stored.map((m) => m.name).join(", ") : "none (synapse pull NAME)"
    }`,
  );
  env.print(lines.join("\n") + "\n");
  return 0;
}

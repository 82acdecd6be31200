/**
 * `synapse chat [MODEL]`: an interactive session that streams each answer as it is generated.
 * It talks to a running server when one answers, else serves the model in this process through
 * the same HTTP handler. Lines from a pipe work too (one user turn per line).
 * @module
 */
import { createParser } from "npm:eventsource-parser@4.1.3";
import { cliSwitch, type Config } from "../config/mod.ts";
import { createServer, ModelManager, silentLogger, StoreCatalog } from "../server/mod.ts";
import { ModelStore } from "../store/mod.ts";
import type { CommandEnv } from "./command.ts";
import { argsOrHelp, callServer, commandConfig, serverUrl } from "./common.ts";
import { type CommandSpec, UsageError } from "./options.ts";

/** How `chat` is called. */
export const CHAT_SPEC: CommandSpec = {
  name: "chat",
  usage: "synapse chat [MODEL]",
  summary: "Talk to a model interactively, answers streamed as they are generated",
  settings: ["server.host", "server.port", "models.default", "models.backend"],
  switches: [cliSwitch("system"), cliSwitch("max-tokens"), cliSwitch("local")],
  maxPositionals: 1,
  notes: "Type /clear to forget the conversation, /bye (or Ctrl-D) to leave.",
};

type Fetch = (path: string, init: RequestInit) => Promise<Response>;

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    buffer += text;
    let at;
    while ((at = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, at).replace(/\r$/, "");
      buffer = buffer.slice(at + 1);
    }
  }
  if (buffer) yield buffer;
}

function inProcess(config: Config): Fetch {
  const manager = new ModelManager({
    catalog: new StoreCatalog(new ModelStore(config.layout.modelsDir)),
    loader: async (spec) =>
      (await import("../engine/mod.ts")).loadModel(spec, { backend: config.models.backend }),
    keepAliveMs: -1,
    maxLoaded: 1,
  });
  const server = createServer({ manager, host: "127.0.0.1", logger: silentLogger });
  return (path, init) => {
    const headers = new Headers(init.headers);
    headers.set("host", "127.0.0.1");
    return server.handler(new Request(`http://127.0.0.1${path}`, { ...init, headers }));
  };
}

/** Streams one answer to `print`; returns its text. */
async function ask(
  call: Fetch,
  body: Record<string, unknown>,
  print: (t: string) => void,
): Promise<string> {
  const response = await call("/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  if (!response.ok || !response.body) {
    const error = await response.json().catch(() => ({}));
    throw new UsageError(error?.error?.message ?? `the server answered HTTP ${response.status}`);
  }
  let answer = "";
  let failure: string | null = null;
  const parser = createParser({
    onEvent(event) {
      if (event.data === "[DONE]") return;
      const chunk = JSON.parse(event.data);
      if (chunk.error) failure = chunk.error.message;
      const text = chunk.choices?.[0]?.delta?.content ?? "";
      answer += text;
      print(text);
    },
  });
  for await (const text of response.body.pipeThrough(new TextDecoderStream())) parser.feed(text);
  if (failure) throw new UsageError(failure);
  return answer;
}

/** Runs `chat`. */
export async function chatCommand(argv: string[], env: CommandEnv): Promise<number> {
  const args = argsOrHelp(CHAT_SPEC, argv, env);
  if (!args) return 0;
  const config = await commandConfig(env, args);
  const model = args.positionals[0] ?? config.models.default;
  const maxTokens = args.switches["max-tokens"] ? Number(args.switches["max-tokens"]) : undefined;
  if (maxTokens !== undefined && (!Number.isSafeInteger(maxTokens) || maxTokens < 1)) {
    throw new UsageError("--max-tokens must be a positive integer");
  }
  const health = args.switches.local ? null : await callServer(config, "/health");
  await health?.body?.cancel();
  const call: Fetch = health?.ok
    ? (path, init) =>
      callServer(config, path, { ...init, signal: undefined }).then((r) =>
        r ?? Promise.reject(new UsageError(`lost the server at ${serverUrl(config)}`))
      )
    : inProcess(config);
  const system = args.switches.system as string | undefined;
  const history: { role: string; content: string }[] = system
    ? [{ role: "system", content: system }]
    : [];
  const tty = Deno.stdin.isTerminal();
  if (tty) {
    env.printError(
      `chatting with ${model}${
        health?.ok ? ` at ${serverUrl(config)}` : " (in this process)"
      }; /bye to leave\n>>> `,
    );
  }
  for await (const line of lines(Deno.stdin.readable)) {
    const text = line.trim();
    if (text === "/bye") break;
    if (text === "/clear") {
      history.splice(system ? 1 : 0);
      if (tty) env.printError(">>> ");
      continue;
    }
    if (text) {
      history.push({ role: "user", content: line });
      const answer = await ask(
        call,
        { model, messages: history, max_tokens: maxTokens },
        env.print,
      );
      history.push({ role: "assistant", content: answer });
      env.print("\n");
    }
    if (tty) env.printError(">>> ");
  }
  return 0;
}

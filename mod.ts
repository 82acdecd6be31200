/**
 * synapse as a library: load a model (a GGUF file, an HF-layout folder, or `"default"`, the
 * embedded tiny model), generate on the GPU with per-request LoRA adapters, run a swarm of
 * specialists over it, and keep its memory in SQLite. Every module reachable from here uses full
 * `npm:`/`node:` specifiers, so it can be imported straight from a URL without our import map
 * (run with `--unstable-raw-imports`, which the embedded model's byte import needs).
 *
 * @example
 * ```ts ignore
 * import { IncrementalDecoder, loadModel } from "https://example.com/synapse/mod.ts";
 *
 * const model = await loadModel("default");
 * const prompt = model.renderChat([{ role: "user", content: "What is 12 + 30?" }], {
 *   addGenerationPrompt: true,
 *   enableThinking: false,
 * });
 * const stream = model.generate({ promptIds: model.encode(prompt), maxTokens: 16 });
 * const decoder = new IncrementalDecoder(model, { skipSpecialTokens: true });
 * let text = "";
 * for await (const token of stream) text += decoder.push(token.id);
 * console.log(text + decoder.flush(), (await stream.result).finishReason);
 * model.close();
 * ```
 * @module
 */
export * from "./engine/mod.ts";
export * from "./swarm/mod.ts";
export * from "./memory/mod.ts";

// Names two folders both export: the engine's chat turn is the one a model takes; memory's log
// entry keeps its own name here. `Outcome` is the same union in swarm/ and memory/.
export type { ChatMessage } from "./engine/mod.ts";
export type { ChatMessage as MemoryChatMessage } from "./memory/mod.ts";
export type { Outcome } from "./swarm/mod.ts";

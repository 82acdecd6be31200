/**
 * The tiny-qwen3 fixture's golden cases: HF transformers' float32 outputs for each prompt (base
 * model and LoRA specialists, raw and chat).
 * @module
 */
import { FIXTURE_DIR } from "./fixture_paths.ts";

/** One entry of golden.json. */
export interface GoldenCase {
  adapter: string | null;
  chat: boolean;
  input: string;
  /** The prompt as the chat template renders it (the input itself when not chat). */
  rendered: string;
  prompt_ids: number[];
  /** The five most likely next tokens and their logits. */
  top5_ids: number[];
  top5_logits: number[];
  /** The greedy continuation. */
  greedy_ids: number[];
}

/** Every case of golden.json. */
export async function goldenCases(): Promise<GoldenCase[]> {
  return JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/golden.json`));
}

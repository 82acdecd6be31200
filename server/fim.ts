/**
 * Fill-in-the-middle prompts (`suffix` on `/api/generate` and `/v1/completions`) in the
 * Qwen/StarCoder token format: `<|fim_prefix|>PREFIX<|fim_suffix|>SUFFIX<|fim_middle|>`.
 * @module
 */
import type { Model } from "../engine/mod.ts";
import { InvalidRequestError } from "./errors.ts";

const FIM_TOKENS = ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"];

/** The FIM prompt; a 400 naming `suffix` when the model's vocabulary lacks the FIM tokens. */
export function fimPrompt(model: Model, prefix: string, suffix: string): string {
  for (const token of FIM_TOKENS) {
    if (model.encode(token).length !== 1) {
      throw new InvalidRequestError(
        `model "${model.name}" has no ${token} token, so it cannot fill in the middle`,
        "suffix",
      );
    }
  }
  return `${FIM_TOKENS[0]}${prefix}${FIM_TOKENS[1]}${suffix}${FIM_TOKENS[2]}`;
}

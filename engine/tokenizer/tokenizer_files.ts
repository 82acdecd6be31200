/**
 * Reads a Hugging Face model folder's tokenizer files: tokenizer.json, tokenizer_config.json,
 * and the eos/bos ids that config.json and generation_config.json add.
 * @module
 */
import { TokenizerError } from "./errors.ts";
import type { TokenizerParts } from "./gguf_tokenizer.ts";

type Json = Record<string, unknown>;

async function readJson(path: string, required: boolean): Promise<Json | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!required && error instanceof Deno.errors.NotFound) return null;
    throw new TokenizerError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TokenizerError(`${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TokenizerError(`${path} must hold a JSON object; found ${JSON.stringify(value)}`);
  }
  return value as Json;
}

async function readText(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new TokenizerError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The integer ids in a config's `eos_token_id`/`bos_token_id` (a number or a list). */
export function configIds(value: unknown): number[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((id): id is number => Number.isInteger(id) && id >= 0);
}

/**
 * Reads the tokenizer of the HF model folder `dir`. tokenizer.json is required; a chat template
 * in `chat_template.jinja` is used when tokenizer_config.json has none.
 * Throws TokenizerError naming the file that is missing or malformed.
 *
 * @example
 * ```ts ignore
 * const parts = await readTokenizerFiles("/models/qwen3");
 * console.log(parts.eosIds); // [151645]
 * ```
 */
export async function readTokenizerFiles(dir: string): Promise<TokenizerParts> {
  const base = dir.replace(/\/+$/, "");
  const tokenizerJson = await readJson(`${base}/tokenizer.json`, true) as Json;
  const tokenizerConfig = await readJson(`${base}/tokenizer_config.json`, false) ?? {};
  const generation = await readJson(`${base}/generation_config.json`, false) ?? {};
  const config = await readJson(`${base}/config.json`, false) ?? {};
  if (tokenizerConfig.chat_template === undefined) {
    const template = await readText(`${base}/chat_template.jinja`);
    if (template !== null) tokenizerConfig.chat_template = template;
  }
  const eosIds = [...configIds(generation.eos_token_id), ...configIds(config.eos_token_id)];
  const bosId = [...configIds(generation.bos_token_id), ...configIds(config.bos_token_id)][0];
  return { tokenizerJson, tokenizerConfig, eosIds, bosId };
}

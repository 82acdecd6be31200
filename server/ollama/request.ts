/**
 * Ollama request fields: `options` (temperature, top_p, top_k, seed, num_predict, stop, ...),
 * `keep_alive` (seconds or a duration; 0 unloads, negative keeps loaded) and `stream`.
 * @module
 */
import { parseDuration } from "../../config/mod.ts";
import type { SamplingParams } from "../../engine/mod.ts";
import { InvalidRequestError } from "../errors.ts";
import {
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalObject,
  stopStrings,
} from "../params.ts";

/** Sampling, length and stop strings from Ollama's `options`. */
export interface OllamaOptions {
  sampling: SamplingParams;
  maxTokens?: number;
  stop: string[];
}

/** Reads `options`; unknown keys (num_ctx, num_gpu, mirostat, ...) are ignored. */
export function parseOllamaOptions(body: Record<string, unknown>): OllamaOptions {
  const o = optionalObject(body, "options") ?? {};
  const sampling: SamplingParams = {};
  const set = <K extends keyof SamplingParams>(key: K, value: SamplingParams[K] | undefined) => {
    if (value !== undefined) sampling[key] = value;
  };
  set("temperature", optionalNumber(o, "temperature", 0, 2));
  set("topP", optionalNumber(o, "top_p", 0, 1, { exclusiveMin: true }));
  set("topK", optionalInteger(o, "top_k", 0, 100_000));
  set("minP", optionalNumber(o, "min_p", 0, 1));
  set("seed", optionalInteger(o, "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  set("repetitionPenalty", optionalNumber(o, "repeat_penalty", 0, 10, { exclusiveMin: true }));
  set("presencePenalty", optionalNumber(o, "presence_penalty", -2, 2));
  set("frequencyPenalty", optionalNumber(o, "frequency_penalty", -2, 2));
  // num_predict: -1 = unlimited, -2 = fill the context (both: up to the context).
  const predict = optionalInteger(o, "num_predict", -2, 1_000_000);
  if (predict === 0) {
    throw new InvalidRequestError("options.num_predict must not be 0", "options.num_predict");
  }
  return {
    sampling,
    maxTokens: predict !== undefined && predict > 0 ? predict : undefined,
    stop: stopStrings(o.stop, "options.stop"),
  };
}

/** `keep_alive` in ms (negative = forever), or undefined for the server default. */
export function parseKeepAlive(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "number" && typeof value !== "string") {
    throw new InvalidRequestError(
      "keep_alive must be a duration like 5m or a number of seconds",
      "keep_alive",
    );
  }
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidRequestError(`keep_alive: ${(error as Error).message}`, "keep_alive");
  }
}

/** `stream` defaults to true on Ollama's API. */
export function streamFlag(body: Record<string, unknown>): boolean {
  return optionalBoolean(body, "stream") ?? true;
}

/** `think` (Qwen3-style reasoning). */
export function thinkFlag(body: Record<string, unknown>): boolean {
  const think = body.think;
  if (think === undefined || think === null) return false;
  if (typeof think === "boolean") return think;
  if (think === "high" || think === "medium" || think === "low") return true;
  throw new InvalidRequestError("think must be true or false", "think");
}

/** Ollama timestamps. */
export function createdAt(): string {
  return new Date().toISOString();
}

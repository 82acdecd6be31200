/**
 * Validation of a generation request that every backend applies before queueing it: a
 * non-empty prompt that fits the context, ids in the vocabulary, finite sampling values.
 * @module
 */
import type { GenerateRequest } from "../types.ts";
import { GenerateError } from "./errors.ts";

/**
 * Throws `GenerateError` when `req` cannot run on a model of `vocabSize` tokens and
 * `contextLength` positions; returns its token budget (maxTokens capped by the context).
 */
export function checkRequest(
  req: GenerateRequest,
  vocabSize: number,
  contextLength: number,
): number {
  const n = req.promptIds.length;
  if (n === 0) throw new GenerateError("the prompt is empty");
  if (n >= contextLength) {
    throw new GenerateError(`the prompt has ${n} tokens; the context holds ${contextLength}`);
  }
  for (const id of req.promptIds) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new GenerateError(`token id ${id} is outside the vocabulary`);
    }
  }
  const sp = req.sampling ?? {};
  if (sp.repetitionPenalty !== undefined && !(sp.repetitionPenalty > 0)) {
    throw new GenerateError("repetitionPenalty must be > 0");
  }
  for (const [k, v] of Object.entries(sp)) {
    if (v !== undefined && !Number.isFinite(v)) {
      throw new GenerateError(`${k} must be a finite number`);
    }
  }
  const max = req.maxTokens ?? contextLength - n;
  if (!Number.isInteger(max) || max < 1) throw new GenerateError("maxTokens must be >= 1");
  return Math.min(max, contextLength - n);
}

/**
 * `POST /v1/embeddings`: the mean-pooled final hidden state (after the final norm) of the base
 * model for each input, L2-normalized, as floats or base64. Inputs longer than the context are
 * refused (400), never silently truncated.
 * @module
 */
import { readJsonObject } from "../body.ts";
import { checkAccepting, type ServerContext } from "../context.ts";
import { InvalidRequestError } from "../errors.ts";
import { checkVocabulary } from "../local_backend.ts";
import { invalid, optionalInteger, requiredString } from "../params.ts";
import type { Route } from "../route.ts";

/** Most inputs in one request. */
export const MAX_EMBEDDING_INPUTS = 2048;

function inputsOf(value: unknown): (string | number[])[] {
  const isIds = (v: unknown): v is number[] =>
    Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number");
  let list: unknown[];
  if (typeof value === "string" || isIds(value)) list = [value];
  else if (Array.isArray(value)) list = value;
  else return invalid("input", "a string, a list of strings, or token ids", value);
  if (list.length === 0) throw new InvalidRequestError("input is an empty list", "input");
  if (list.length > MAX_EMBEDDING_INPUTS) {
    throw new InvalidRequestError(
      `input has ${list.length} items; at most ${MAX_EMBEDDING_INPUTS}`,
      "input",
    );
  }
  return list.map((item, i) => {
    if (typeof item === "string") {
      if (item.length === 0) {
        throw new InvalidRequestError(`input[${i}] is an empty string`, "input");
      }
      return item;
    }
    if (isIds(item)) return item;
    return invalid(`input[${i}]`, "a non-empty string or list of token ids", item);
  });
}

function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

function base64(v: Float32Array): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** The embeddings route. */
export function embeddingsRoute(ctx: ServerContext): Route {
  return {
    method: "POST",
    path: "/v1/embeddings",
    async handle(req) {
      checkAccepting(ctx);
      const body = await readJsonObject(req, ctx.limits);
      const model = requiredString(body, "model");
      const inputs = inputsOf(body.input);
      const format = body.encoding_format ?? "float";
      if (format !== "float" && format !== "base64") {
        invalid("encoding_format", '"float" or "base64"', format);
      }
      const dimensions = optionalInteger(body, "dimensions", 1, 1_000_000);
      const tracker = ctx.track(req);
      try {
        return await ctx.local.use(model, tracker.signal, async ({ model: m }) => {
          if (dimensions !== undefined && dimensions !== m.info.hiddenSize) {
            throw new InvalidRequestError(
              `dimensions must be ${m.info.hiddenSize} for this model`,
              "dimensions",
            );
          }
          const ids = inputs.map((input, i) => {
            const tokens = typeof input === "string" ? m.encode(input) : input;
            if (typeof input !== "string") checkVocabulary(m, tokens);
            if (tokens.length === 0) {
              throw new InvalidRequestError(`input[${i}] has no tokens`, "input");
            }
            if (tokens.length > m.info.contextLength) {
              throw new InvalidRequestError(
                `input[${i}] is ${tokens.length} tokens; the model's context holds ${m.info.contextLength}`,
                "input",
              );
            }
            return tokens;
          });
          const data = [];
          for (const [index, tokens] of ids.entries()) {
            tracker.signal.throwIfAborted();
            const vector = normalize(await m.embed(tokens));
            data.push({
              object: "embedding",
              index,
              embedding: format === "base64" ? base64(vector) : [...vector],
            });
          }
          const promptTokens = ids.reduce((n, t) => n + t.length, 0);
          return Response.json({
            object: "list",
            data,
            model,
            usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
          });
        });
      } finally {
        tracker.done();
      }
    },
  };
}

/**
 * A `TokenConstraint` for the engine: tracks the JSON generated so far and answers each step
 * with the tokens that keep it valid under the grammar (end-of-turn once the value is complete).
 * @module
 */
import { advance, type GrammarState, initialState } from "./grammar.ts";
import { buildMask } from "./mask.ts";
import type { GrammarNode } from "./nodes.ts";
import type { ConstraintVocab } from "./vocab.ts";

/** The engine's constraint interface (structurally `TokenConstraint` in engine/types.ts). */
export interface AllowedTokens {
  allowed(generated: readonly number[]): Uint32Array | null;
}

/** Constrains generation to one JSON value following `grammar`. */
export class JsonConstraint implements AllowedTokens {
  readonly #vocab: ConstraintVocab;
  readonly #endIds: readonly number[];
  #state: GrammarState;
  #consumed = 0;
  readonly #cache = new Map<string, Uint32Array>();

  /** `endIds` are the model's end-of-turn ids, allowed once the value is complete. */
  constructor(vocab: ConstraintVocab, grammar: GrammarNode, endIds: readonly number[]) {
    this.#vocab = vocab;
    this.#endIds = endIds;
    this.#state = initialState(grammar);
  }

  /** The text generated so far is a complete value, or still a valid prefix of one. */
  get valid(): boolean {
    return this.#state.length > 0;
  }

  allowed(generated: readonly number[]): Uint32Array {
    for (; this.#consumed < generated.length; this.#consumed++) {
      const id = generated[this.#consumed];
      if (this.#endIds.includes(id)) continue;
      this.#state = advance(this.#state, this.#vocab.texts[id] ?? "\u0000");
    }
    const key = this.#consumed === 0 ? "start" : "";
    const cached = key ? this.#cache.get(key) : undefined;
    if (cached) return cached;
    const mask = buildMask(this.#vocab, this.#state, this.#endIds);
    if (key) this.#cache.set(key, mask);
    return mask;
  }
}

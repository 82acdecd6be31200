/**
 * Streaming detokenization: text for each new token as it arrives, never a U+FFFD for a
 * character whose bytes are split across byte-level BPE tokens, at constant cost per token.
 * @module
 */

/** What the decoder needs of a tokenizer. */
export interface TokenDecoder {
  decode(
    ids: readonly number[],
    options?: { skipSpecialTokens?: boolean; cleanUpSpaces?: boolean },
  ): string;
}

// A UTF-8 character has at most 4 bytes and every token at least 1, so more tokens than this
// after the last emitted text mean the replacement character is real (invalid bytes), not a
// character still arriving.
const MAX_PENDING_TOKENS = 4;

/**
 * Turns a stream of token ids into text deltas with the prefix-offset technique of HF TGI and
 * llama.cpp: decode only a small window (the tokens since the last emitted text plus the one
 * before, for context such as leading spaces) and emit what it added, unless it ends in an
 * incomplete UTF-8 sequence.
 *
 * @example
 * ```ts ignore
 * const decoder = new IncrementalDecoder(tokenizer);
 * let text = "";
 * for (const id of ids) text += decoder.push(id);
 * text += decoder.flush();
 * console.log(text === tokenizer.decode(ids)); // true
 * ```
 */
export class IncrementalDecoder {
  readonly #tokenizer: TokenDecoder;
  readonly #skipSpecialTokens: boolean;
  // The window: ids[0..read) were emitted (ids[0..prefix) only kept as context).
  #ids: number[] = [];
  #prefix = 0;
  #read = 0;

  constructor(tokenizer: TokenDecoder, options: { skipSpecialTokens?: boolean } = {}) {
    this.#tokenizer = tokenizer;
    this.#skipSpecialTokens = options.skipSpecialTokens ?? false;
  }

  #decode(ids: readonly number[]): string {
    return ids.length === 0
      ? ""
      // No clean-up of spaces before punctuation: it rewrites text already emitted.
      : this.#tokenizer.decode(ids, {
        skipSpecialTokens: this.#skipSpecialTokens,
        cleanUpSpaces: false,
      });
  }

  /** Adds one generated id; returns the text it completes (often "", e.g. half an emoji). */
  push(id: number): string {
    this.#ids.push(id);
    const emitted = this.#decode(this.#ids.slice(this.#prefix, this.#read));
    const current = this.#decode(this.#ids.slice(this.#prefix));
    const pending = this.#ids.length - this.#read;
    if (current.endsWith("\uFFFD") && pending <= MAX_PENDING_TOKENS) return "";
    // The tokens emitted now become the context of the next window.
    this.#ids = this.#ids.slice(this.#read);
    this.#prefix = 0;
    this.#read = this.#ids.length;
    return current.length > emitted.length ? current.slice(emitted.length) : "";
  }

  /** Returns whatever is held back (an incomplete character decodes as U+FFFD) and resets. */
  flush(): string {
    const emitted = this.#decode(this.#ids.slice(this.#prefix, this.#read));
    const current = this.#decode(this.#ids.slice(this.#prefix));
    this.#ids = [];
    this.#prefix = 0;
    this.#read = 0;
    return current.length > emitted.length ? current.slice(emitted.length) : "";
  }
}

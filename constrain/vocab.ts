/**
 * The token strings of a model's vocabulary, prepared once per model for mask building: sorted
 * for prefix sharing, with partial-UTF-8 and special tokens left out.
 * @module
 */

/** What the vocabulary is read from: a model's `decode` (the engine's `Model` fits). */
export interface TokenDecoder {
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  readonly info: { readonly vocabSize: number };
}

/** A prepared vocabulary. */
export interface ConstraintVocab {
  readonly size: number;
  /** Text of every usable token id (undefined for unusable ones). */
  readonly texts: readonly (string | undefined)[];
  /** Usable tokens sorted by text. */
  readonly sorted: readonly { text: string; id: number }[];
  /** Bitmask of tokens that keep a free string open (no `"`, `\`, control characters). */
  readonly stringSafe: Uint32Array;
}

function isStringSafe(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

const cache = new WeakMap<object, ConstraintVocab>();

/** Builds (or returns the cached) vocabulary of `model`. */
export function vocabOf(model: TokenDecoder): ConstraintVocab {
  const found = cache.get(model);
  if (found) return found;
  const size = model.info.vocabSize;
  const texts: (string | undefined)[] = new Array(size);
  const sorted: { text: string; id: number }[] = [];
  const stringSafe = new Uint32Array(Math.ceil(size / 32));
  for (let id = 0; id < size; id++) {
    let text: string;
    try {
      text = model.decode([id], { skipSpecialTokens: true });
    } catch {
      continue;
    }
    if (text.length === 0 || text.includes("\uFFFD")) continue;
    texts[id] = text;
    sorted.push({ text, id });
    if (isStringSafe(text)) stringSafe[id >> 5] |= 1 << (id & 31);
  }
  sorted.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : a.id - b.id));
  const vocab = { size, texts, sorted, stringSafe };
  cache.set(model, vocab);
  return vocab;
}

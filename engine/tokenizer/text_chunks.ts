/**
 * Splits long text into chunks that encode to the same ids as the whole, so a 10 MB line costs
 * linear time and bounded memory (one giant word would otherwise take seconds per megabyte,
 * gigabytes of memory, and past ~2M characters overflow the regex engine's stack).
 * @module
 */
import { CHUNK_SAFE_SPLITS, GPT2_SPLIT } from "./pre_tokenizers.ts";

/** Where and how to cut. */
export interface ChunkOptions {
  /** Chunks are at least this long (except the last), so cuts are few. */
  readonly minChars: number;
  /** Chunks are at most this long unless no cut at all is allowed before. */
  readonly maxChars: number;
  /** Contents of the added (special) tokens; no cut lands on or beside one. */
  readonly addedTokens: readonly string[];
}

const LETTER = /\p{L}/u;
const DIGIT = /\p{N}/u;
const WHITESPACE = /\s/u;
const MARK = /\p{M}/u;
// Printable ASCII punctuation without the apostrophe, which starts contractions ("'s").
const ASCII_PUNCTUATION = /[!-&(-/:-@[-`{-~]/;

function isSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdfff;
}

/**
 * Whether the boundary before `text[i]` is a word boundary for every split sequence in
 * CHUNK_SAFE_SPLITS, whatever comes before or after: a letter or digit followed by whitespace,
 * ASCII punctuation other than `'`, or a digit (after a letter) or letter (after a digit).
 * No split pattern there joins such a pair into one word or looks across it, and no Unicode
 * normalization composes across it.
 *
 * @example
 * ```ts
 * import { isSafeCut } from "./text_chunks.ts";
 * console.assert(isSafeCut("ab cd", 2)); // "ab" | " cd"
 * console.assert(!isSafeCut("ab cd", 3)); // " c" is one word
 * ```
 */
export function isSafeCut(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return false;
  if (isSurrogate(text.charCodeAt(i - 1)) || isSurrogate(text.charCodeAt(i))) return false;
  const before = text[i - 1], after = text[i];
  const beforeLetter = LETTER.test(before);
  if (!beforeLetter && !DIGIT.test(before)) return false;
  if (WHITESPACE.test(after) || ASCII_PUNCTUATION.test(after)) return true;
  return beforeLetter ? DIGIT.test(after) : LETTER.test(after);
}

/** A cut of last resort: it may change how one over-long word is split, never the text. */
function isForcedCut(text: string, i: number): boolean {
  const previous = text.charCodeAt(i - 1), next = text.charCodeAt(i);
  const splitsPair = previous >= 0xd800 && previous <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
  return !splitsPair && !MARK.test(text[i]) && next !== 0x200d && previous !== 0x200d;
}

/** Whether no added token occurs on or right beside the boundary before `text[i]`. */
function clearOfAddedTokens(text: string, i: number, tokens: readonly string[], longest: number) {
  if (tokens.length === 0) return true;
  const window = text.slice(Math.max(0, i - longest - 1), i + longest + 1);
  return !tokens.some((token) => window.includes(token));
}

/**
 * Cuts `text` into chunks of `minChars`..`maxChars` characters at safe cuts (see `isSafeCut`),
 * falling back to a forced cut only where `maxChars - minChars` characters hold no safe one
 * (a giant word); encoding the chunks one by one then equals encoding the whole, except inside
 * such a giant word. Concatenating the chunks always gives back `text`.
 *
 * @example
 * ```ts
 * import { chunkForEncoding } from "./text_chunks.ts";
 * const text = "alpha beta gamma delta";
 * const chunks = chunkForEncoding(text, { minChars: 4, maxChars: 8, addedTokens: [] });
 * console.assert(chunks.join("") === text && chunks.every((c) => c.length <= 8));
 * ```
 */
export function chunkForEncoding(text: string, options: ChunkOptions): string[] {
  const { minChars, maxChars, addedTokens } = options;
  const longest = Math.max(0, ...addedTokens.map((t) => t.length));
  const allowed = (i: number, test: (text: string, i: number) => boolean) =>
    test(text, i) && clearOfAddedTokens(text, i, addedTokens, longest);
  const chunks: string[] = [];
  let start = 0;
  while (text.length - start > maxChars) {
    let cut = -1;
    for (const test of [isSafeCut, isForcedCut]) {
      for (let i = start + maxChars; i > start + minChars && cut < 0; i--) {
        if (allowed(i, test)) cut = i;
      }
      if (cut >= 0) break;
    }
    // Nothing allowed in the window (a wall of special tokens): look further on.
    for (let i = start + maxChars + 1; cut < 0 && i < text.length; i++) {
      if (allowed(i, isForcedCut)) cut = i;
    }
    if (cut < 0) break;
    chunks.push(text.slice(start, cut));
    start = cut;
  }
  chunks.push(text.slice(start));
  return chunks;
}

function sameSplits(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

type Json = Record<string, unknown>;

/** The Split regexes of a byte-level pre-tokenizer config, or null when it is anything else. */
function byteLevelSplits(preTokenizer: Json | null | undefined): readonly string[] | null {
  if (!preTokenizer) return null;
  if (preTokenizer.type === "ByteLevel") {
    return preTokenizer.add_prefix_space === false && preTokenizer.use_regex !== false
      ? [GPT2_SPLIT]
      : null;
  }
  if (preTokenizer.type !== "Sequence" || !Array.isArray(preTokenizer.pretokenizers)) return null;
  const steps = preTokenizer.pretokenizers as Json[];
  const last = steps.at(-1);
  if (last?.type !== "ByteLevel" || last.add_prefix_space !== false || last.use_regex !== false) {
    return null;
  }
  const splits: string[] = [];
  for (const step of steps.slice(0, -1)) {
    const pattern = step.pattern as Json | undefined;
    const isolated = step.type === "Split" && step.invert === false &&
      String(step.behavior).toLowerCase() === "isolated" && typeof pattern?.Regex === "string";
    if (!isolated) return null;
    splits.push(pattern!.Regex as string);
  }
  return splits;
}

/**
 * Whether `chunkForEncoding`'s cuts are exact for this tokenizer.json: a BPE model behind a
 * byte-level pre-tokenizer whose splits are one of CHUNK_SAFE_SPLITS, and no normalizer but NFC.
 */
export function supportsChunking(tokenizerJson: Readonly<Json>): boolean {
  const model = tokenizerJson.model as Json | undefined;
  const normalizer = tokenizerJson.normalizer as Json | null | undefined;
  if (model?.type !== "BPE") return false;
  if (normalizer && normalizer.type !== "NFC") return false;
  const splits = byteLevelSplits(tokenizerJson.pre_tokenizer as Json | null | undefined);
  return splits !== null && CHUNK_SAFE_SPLITS.some((known) => sameSplits(known, splits));
}

/**
 * Builds the allowed-token bitmask for a grammar state by walking the sorted vocabulary once,
 * reusing the state of each shared prefix and skipping every token under a rejected prefix.
 * @module
 */
import { advance, canEnd, type GrammarState, inFreeString, isDone } from "./grammar.ts";
import type { ConstraintVocab } from "./vocab.ts";

function lcp(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Sets bit `id`. */
export function setBit(mask: Uint32Array, id: number): void {
  mask[id >> 5] |= 1 << (id & 31);
}

/** Whether bit `id` is set. */
export function hasBit(mask: Uint32Array, id: number): boolean {
  return (mask[id >> 5] & (1 << (id & 31))) !== 0;
}

/**
 * The tokens allowed after `state`: those whose text keeps it valid, plus `endIds` when the
 * value is complete. An all-zero mask means nothing may follow.
 */
export function buildMask(
  vocab: ConstraintVocab,
  state: GrammarState,
  endIds: readonly number[],
): Uint32Array {
  const mask = new Uint32Array(Math.ceil(vocab.size / 32));
  if (canEnd(state)) { for (const id of endIds) if (id < vocab.size) setBit(mask, id); }
  if (isDone(state) || state.length === 0) return mask;
  const free = inFreeString(state);
  if (free) mask.set(vocab.stringSafe.map((w, i) => w | mask[i]));
  // states[d] = state after the first d chars of the previous token; dead = first rejected depth.
  const states: GrammarState[] = [state];
  let prev = "";
  let dead = Number.POSITIVE_INFINITY;
  for (const { text, id } of vocab.sorted) {
    if (free && hasBit(vocab.stringSafe, id)) continue;
    const shared = lcp(prev, text);
    prev = text;
    if (shared >= dead) continue;
    dead = Number.POSITIVE_INFINITY;
    let depth = shared;
    for (; depth < text.length; depth++) {
      const next = advance(states[depth], text[depth]);
      states[depth + 1] = next;
      if (next.length === 0) {
        dead = depth + 1;
        break;
      }
    }
    if (depth === text.length) setBit(mask, id);
  }
  return mask;
}

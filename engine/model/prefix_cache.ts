/**
 * Which KV caches hold which tokens, so a new prompt that starts like an earlier one (the same
 * system prompt, the previous turns of a chat) skips recomputing that head. A holder is
 * whatever owns a cache (a sequence slot on the GPU, a cache object on the CPU); its entry says
 * that positions 0..ids.length-1 hold the keys and values of `ids` computed with `adapter`.
 * @module
 */

/** A holder picked for a prompt, and how many of its leading tokens are already cached there. */
export interface PrefixPick<H> {
  holder: H;
  /** Prompt tokens whose keys and values the holder already has (prefill starts there). */
  reuse: number;
}

/** A cache in use (a running sequence's): it holds `ids` at positions 0.., made with `adapter`. */
export interface PrefixSource<H, A> {
  holder: H;
  adapter: A;
  ids: readonly number[];
}

/**
 * The source sharing the longest head with `prompt` under `adapter` (at most all but the
 * prompt's last token), or null when none shares a token. For copying a running sequence's
 * head: requests that arrive together with one system prompt.
 */
export function longestSharedHead<H, A>(
  sources: Iterable<PrefixSource<H, A>>,
  adapter: A,
  prompt: readonly number[],
): PrefixPick<H> | null {
  let best: PrefixPick<H> | null = null;
  for (const s of sources) {
    const reuse = s.adapter === adapter ? sharedHead(s.ids, prompt) : 0;
    if (reuse > (best?.reuse ?? 0)) best = { holder: s.holder, reuse };
  }
  return best;
}

interface Entry<A> {
  adapter: A;
  ids: readonly number[];
  /** When the entry was last written or reused (a counter): ties go to the oldest. */
  used: number;
}

/** What each holder's cache holds. */
export class PrefixCache<H, A> {
  #entries = new Map<H, Entry<A>>();
  #clock = 0;

  /** Records that `holder`'s cache holds `ids` at positions 0.., computed with `adapter`. */
  remember(holder: H, adapter: A, ids: readonly number[]): void {
    this.#entries.set(holder, { adapter, ids: [...ids], used: ++this.#clock });
  }

  /** `holder`'s cache is about to change (or has): nothing in it is reusable. */
  forget(holder: H): void {
    this.#entries.delete(holder);
  }

  /** Forgets every cache computed with `adapter` (its weights changed). */
  forgetAdapter(adapter: A): void {
    for (const [h, e] of this.#entries) if (e.adapter === adapter) this.#entries.delete(h);
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
  }

  /**
   * The holder among `free` for `prompt` under `adapter`: the one whose cache shares the longest
   * head with the prompt, at most all but its last token (whose logits the prefill must
   * compute); with no shared head, the one unused longest (so recent heads stay for reuse).
   * Null when `free` is empty.
   */
  pick(free: readonly H[], adapter: A, prompt: readonly number[]): PrefixPick<H> | null {
    let best: PrefixPick<H> | null = null, bestUsed = Infinity;
    for (const holder of free) {
      const e = this.#entries.get(holder);
      const reuse = e && e.adapter === adapter ? sharedHead(e.ids, prompt) : 0;
      const used = e?.used ?? 0;
      if (!best || reuse > best.reuse || (reuse === best.reuse && used < bestUsed)) {
        best = { holder, reuse };
        bestUsed = used;
      }
    }
    if (best && best.reuse > 0) this.#entries.get(best.holder)!.used = ++this.#clock;
    return best;
  }
}

/** Tokens of `prompt` a cache holding `ids` can skip: their common head, less the last token. */
function sharedHead(ids: readonly number[], prompt: readonly number[]): number {
  const n = Math.min(ids.length, prompt.length - 1);
  let i = 0;
  while (i < n && ids[i] === prompt[i]) i++;
  return i;
}

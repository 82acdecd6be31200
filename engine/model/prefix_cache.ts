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
      const reuse = e && e.adapter === adapter
        ? Math.max(0, Math.min(commonPrefix(e.ids, prompt), prompt.length - 1))
        : 0;
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

/** Length of the longest common head of `a` and `b`. */
function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

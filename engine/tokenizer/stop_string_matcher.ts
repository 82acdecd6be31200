/**
 * Stop strings over streamed text: emits only text that can no longer start a stop string,
 * holds back a partial match across pushes (llama.cpp's `find_partial_stop_string`), and cuts
 * exactly before the first full match.
 * @module
 */

/** What one push released. */
export interface StopMatch {
  /** Text that is safe to show. */
  text: string;
  /** True once a stop string matched; `text` then ends right before it. */
  stopped: boolean;
}

/** Whether the boundary before `text[i]` would split a surrogate pair. */
function splitsSurrogatePair(text: string, i: number): boolean {
  const high = text.charCodeAt(i - 1), low = text.charCodeAt(i);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

/**
 * Matches any of several stop strings in text that arrives in pieces. Empty stop strings are
 * ignored. After a match every push returns `{ text: "", stopped: true }`.
 *
 * @example
 * ```ts
 * import { StopStringMatcher } from "./stop_string_matcher.ts";
 * const matcher = new StopStringMatcher(["</answer>"]);
 * console.assert(matcher.push("42</ans").text === "42"); // "</ans" held back
 * const last = matcher.push("wer> trailing");
 * console.assert(last.text === "" && last.stopped);
 * ```
 */
export class StopStringMatcher {
  readonly #stops: readonly string[];
  #held = "";
  #stopped = false;

  constructor(stops: readonly string[]) {
    this.#stops = [...new Set(stops.filter((stop) => stop.length > 0))];
  }

  /** True once a stop string has matched. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Adds streamed text; returns what can be shown now. */
  push(text: string): StopMatch {
    if (this.#stopped) return { text: "", stopped: true };
    const buffer = this.#held + text;
    let cut = -1;
    for (const stop of this.#stops) {
      const at = buffer.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.#stopped = true;
      this.#held = "";
      return { text: buffer.slice(0, cut), stopped: true };
    }
    let emit = buffer.length - this.#partialStopLength(buffer);
    if (splitsSurrogatePair(buffer, emit)) emit--;
    this.#held = buffer.slice(emit);
    return { text: buffer.slice(0, emit), stopped: false };
  }

  /** Releases the held-back text at the end of the stream (it never completed a stop). */
  flush(): string {
    const held = this.#held;
    this.#held = "";
    return held;
  }

  /** Length of the longest end of `buffer` that is the beginning of some stop string. */
  #partialStopLength(buffer: string): number {
    let longest = 0;
    for (const stop of this.#stops) {
      for (let length = Math.min(stop.length - 1, buffer.length); length > longest; length--) {
        if (buffer.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}

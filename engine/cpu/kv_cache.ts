/**
 * One sequence's keys and values in f32, `[position][kvHeads * headDim]` per layer, grown by
 * doubling as the sequence lengthens so short requests do not hold a full context's worth.
 * @module
 */

/** Initial positions per layer; a prompt longer than this sizes the first allocation itself. */
const INITIAL_POSITIONS = 256;

/** A sequence's KV cache. */
export class KvCache {
  readonly k: Float32Array[] = [];
  readonly v: Float32Array[] = [];
  /** Positions written so far. */
  length = 0;
  #width: number;
  #capacity = 0;
  #limit: number;

  constructor(layers: number, width: number, contextLength: number) {
    this.#width = width;
    this.#limit = contextLength;
    for (let l = 0; l < layers; l++) {
      this.k.push(new Float32Array(0));
      this.v.push(new Float32Array(0));
    }
  }

  /** Copies positions 0..positions-1 of `source` (a cache of the same shape) into this one. */
  copyHead(source: KvCache, positions: number): void {
    this.reserve(positions);
    const n = positions * this.#width;
    for (let l = 0; l < this.k.length; l++) {
      this.k[l].set(source.k[l].subarray(0, n));
      this.v[l].set(source.v[l].subarray(0, n));
    }
    this.length = Math.max(this.length, positions);
  }

  /** Makes room for positions up to `positions` (exclusive). */
  reserve(positions: number): void {
    if (positions <= this.#capacity) return;
    if (positions > this.#limit) {
      throw new RangeError(`position ${positions} is past the context of ${this.#limit}`);
    }
    let cap = Math.max(this.#capacity * 2, INITIAL_POSITIONS);
    while (cap < positions) cap *= 2;
    cap = Math.min(cap, this.#limit);
    for (let l = 0; l < this.k.length; l++) {
      const k = new Float32Array(cap * this.#width), v = new Float32Array(cap * this.#width);
      k.set(this.k[l].subarray(0, this.length * this.#width));
      v.set(this.v[l].subarray(0, this.length * this.#width));
      this.k[l] = k;
      this.v[l] = v;
    }
    this.#capacity = cap;
  }
}

/**
 * How many decode steps go into one streaming submit. Between submits the GPU idles: the
 * readback of what was sampled, then Deno's translation of the next submit's first command
 * buffer (~3.5 us a dispatch). More steps per submit amortize that gap; fewer stream text in finer
 * chunks and let new requests join sooner. So the count follows a time budget per submit rather
 * than a fixed number: a fast GPU takes many steps, a slow one few.
 *
 * H200, random-init Qwen2.5 (2026-11-25-h200-session9.md), decode tok/s at 16 / 32 / 64 steps a
 * submit: 0.5B Q4_K_M 704-711 / 744-746 / 752-754 (a step ~1.3 ms); 3B F16 285 / 291-293 (~3.4 ms).
 * @module
 */

/** Wall time a streaming submit aims at: the streamed text arrives ~10 times a second. */
export const SUBMIT_TARGET_MS = 100;
/** Steps per submit before any submit has been timed. */
export const INITIAL_STEPS_PER_SUBMIT = 16;
/** Bounds of the timed choice (the sampler's ring holds 256 steps per sequence). */
export const MIN_STEPS_PER_SUBMIT = 4;
export const MAX_STEPS_PER_SUBMIT = 64;
/** Submits of fewer steps than this are not timed: fixed costs dominate them. */
const MIN_TIMED_STEPS = 4;

/** Chooses steps per streaming submit from the time recent submits took per step. */
export class SubmitPacer {
  #fixed: number | undefined;
  #msPerStep: number | undefined;

  /** `fixed`: always this many steps (a caller's setting), ignoring time. */
  constructor(fixed?: number) {
    if (fixed !== undefined && !(Number.isInteger(fixed) && fixed >= 1)) {
      throw new RangeError(`steps per submit must be a whole number >= 1; found ${fixed}`);
    }
    this.#fixed = fixed;
  }

  /** Steps for the next streaming submit. */
  get steps(): number {
    if (this.#fixed !== undefined) return this.#fixed;
    if (this.#msPerStep === undefined) return INITIAL_STEPS_PER_SUBMIT;
    const steps = Math.floor(SUBMIT_TARGET_MS / this.#msPerStep);
    return Math.min(MAX_STEPS_PER_SUBMIT, Math.max(MIN_STEPS_PER_SUBMIT, steps));
  }

  /**
   * Records that a submit of `steps` decode steps took `ms` from its encoding to its readback.
   * The estimate follows the newest submits (half weight each), so a batch growing or shrinking
   * moves it within a few submits.
   */
  observe(steps: number, ms: number): void {
    if (steps < MIN_TIMED_STEPS || !(ms > 0) || !Number.isFinite(ms)) return;
    const perStep = ms / steps;
    this.#msPerStep = this.#msPerStep === undefined ? perStep : (this.#msPerStep + perStep) / 2;
  }
}

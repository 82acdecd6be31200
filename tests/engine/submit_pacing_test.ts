/**
 * Steps per streaming submit follow the time submits take per step: many on a fast GPU, few on a
 * slow one, a caller's fixed count always, and nothing learned from submits too short to time.
 */
import assert from "node:assert/strict";
import {
  INITIAL_STEPS_PER_SUBMIT,
  MAX_STEPS_PER_SUBMIT,
  MIN_STEPS_PER_SUBMIT,
  SUBMIT_TARGET_MS,
  SubmitPacer,
} from "../../engine/model/mod.ts";

Deno.test("pacer: starts at the initial count, then fits the time budget", () => {
  const p = new SubmitPacer();
  assert.equal(p.steps, INITIAL_STEPS_PER_SUBMIT);
  p.observe(16, 16 * 3.4); // 3B F16 on the H200: 3.4 ms a step
  assert.equal(p.steps, Math.floor(SUBMIT_TARGET_MS / 3.4));
});

Deno.test("pacer: a fast GPU takes the most steps, a slow one the fewest", () => {
  const fast = new SubmitPacer();
  fast.observe(16, 16 * 0.5);
  assert.equal(fast.steps, MAX_STEPS_PER_SUBMIT);
  const slow = new SubmitPacer();
  slow.observe(16, 16 * 80);
  assert.equal(slow.steps, MIN_STEPS_PER_SUBMIT);
});

Deno.test("pacer: the estimate follows newer submits (a batch grew)", () => {
  const p = new SubmitPacer();
  p.observe(64, 64 * 1.25);
  assert.equal(p.steps, 64);
  for (let i = 0; i < 6; i++) p.observe(p.steps, p.steps * 10);
  assert.ok(p.steps >= 10 && p.steps <= 11, `${p.steps}`);
});

Deno.test("pacer: short or unmeasurable submits teach it nothing", () => {
  const p = new SubmitPacer();
  p.observe(1, 40); // a first-token submit: fixed costs, not a step's time
  p.observe(3, 90);
  p.observe(16, 0);
  p.observe(16, Number.NaN);
  assert.equal(p.steps, INITIAL_STEPS_PER_SUBMIT);
});

Deno.test("pacer: a fixed count holds whatever the timing, and must be a whole number >= 1", () => {
  const p = new SubmitPacer(2);
  p.observe(16, 16 * 0.5);
  assert.equal(p.steps, 2);
  assert.throws(() => new SubmitPacer(0), /whole number >= 1; found 0/);
  assert.throws(() => new SubmitPacer(2.5), /found 2.5/);
});

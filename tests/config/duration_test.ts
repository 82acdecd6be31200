import assert from "node:assert/strict";
import { DurationSyntaxError, formatDuration, parseDuration } from "../../config/mod.ts";

Deno.test("parseDuration() reads Go-style durations and bare seconds", () => {
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("-1"), -1000);
  assert.equal(parseDuration(30), 30_000);
  assert.equal(parseDuration("-5m"), -300_000);
});

Deno.test("parseDuration() rejects text that is not a duration", () => {
  for (const bad of ["", "5 minutes", "m5", "5x", "--1"]) {
    assert.throws(() => parseDuration(bad), DurationSyntaxError, bad);
  }
  assert.throws(() => parseDuration(Infinity), DurationSyntaxError);
});

Deno.test("formatDuration() writes the shortest unit", () => {
  assert.equal(formatDuration(300_000), "5m");
  assert.equal(formatDuration(7_200_000), "2h");
  assert.equal(formatDuration(1500), "1500ms");
  assert.equal(formatDuration(-1), "-1");
});

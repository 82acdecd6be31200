import assert from "node:assert/strict";
import { DeltaQueue } from "../../swarm/delta_queue.ts";

Deno.test("a consumer receives items pushed before and after it starts, then the end", async () => {
  const queue = new DeltaQueue<number>();
  queue.push(1);
  const seen: number[] = [];
  const consumed = (async () => {
    for await (const n of queue) seen.push(n);
  })();
  await Promise.resolve();
  queue.push(2);
  queue.end();
  queue.push(3);
  await consumed;
  assert.deepEqual(seen, [1, 2]);
});

Deno.test("a failed queue yields what was pushed, then throws", async () => {
  const queue = new DeltaQueue<string>();
  queue.push("a");
  queue.fail(new Error("engine lost"));
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const s of queue) seen.push(s);
  }, /engine lost/);
  assert.deepEqual(seen, ["a"]);
});

import assert from "node:assert/strict";
import { ServerBusyError } from "../../server/errors.ts";
import { SlotQueue } from "../../server/slots.ts";

Deno.test("slots are granted in FIFO order and a full queue is refused with 503 and Retry-After", async () => {
  const slots = new SlotQueue(1, 2);
  const first = await slots.acquire();
  const order: string[] = [];
  const a = slots.acquire().then((release) => {
    order.push("a");
    return release;
  });
  const b = slots.acquire().then((release) => {
    order.push("b");
    return release;
  });
  assert.equal(slots.waiting, 2);
  await assert.rejects(
    () => slots.acquire(),
    (e: Error) => e instanceof ServerBusyError && e.headers["Retry-After"] === "1",
  );
  first();
  (await a)();
  (await b)();
  assert.deepEqual(order, ["a", "b"]);
  assert.equal(slots.running, 0);
});

Deno.test("a waiter whose client leaves is removed from the queue", async () => {
  const slots = new SlotQueue(1, 4);
  const held = await slots.acquire();
  const abort = new AbortController();
  const waiting = slots.acquire(abort.signal);
  assert.equal(slots.waiting, 1);
  abort.abort(new Error("client left"));
  await assert.rejects(waiting, /client left/);
  assert.equal(slots.waiting, 0);
  held();
  assert.equal(slots.running, 0, "the released slot is not handed to the departed waiter");
});

Deno.test("releasing twice frees one slot only; closing rejects waiters", async () => {
  const slots = new SlotQueue(2, 1);
  const release = await slots.acquire();
  release();
  release();
  assert.equal(slots.running, 0);
  await slots.acquire();
  await slots.acquire();
  const waiter = slots.acquire();
  slots.close();
  await assert.rejects(waiter, ServerBusyError);
  await assert.rejects(() => slots.acquire(), ServerBusyError);
});

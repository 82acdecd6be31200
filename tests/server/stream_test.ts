import assert from "node:assert/strict";
import { RunChannel } from "../../server/run_channel.ts";
import { ClientGoneError, ResponseStream } from "../../server/stream.ts";

Deno.test("a stream whose reader does not drain makes the writer wait (bounded buffer)", async () => {
  const stream = new ResponseStream({ highWaterMark: 4, stallTimeoutMs: 10_000 });
  let written = 0;
  const writer = (async () => {
    for (let i = 0; i < 20; i++) {
      await stream.write(`chunk ${i}\n`);
      written++;
    }
    stream.close();
  })();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(written <= 5, `writer paused at ${written}`);
  const text = await new Response(stream.body).text();
  await writer;
  assert.equal(written, 20);
  assert.equal(text.split("\n").length - 1, 20);
});

Deno.test("a reader that stalls past the deadline aborts the stream", async () => {
  const stream = new ResponseStream({ highWaterMark: 1, stallTimeoutMs: 100 });
  const reader = stream.body.getReader();
  await stream.write("a").catch(() => {});
  await assert.rejects(async () => {
    for (let i = 0; i < 10; i++) await stream.write("b");
  }, ClientGoneError);
  assert.ok(stream.signal.aborted);
  reader.releaseLock();
});

Deno.test("cancelling the body (a disconnect) aborts the signal and fails later writes", async () => {
  const stream = new ResponseStream();
  await stream.write("x");
  await stream.body.cancel("gone");
  assert.ok(stream.signal.aborted);
  await assert.rejects(() => stream.write("y"), ClientGoneError);
});

Deno.test("heartbeats are written while nothing else is", async () => {
  const stream = new ResponseStream({ heartbeatMs: 30, heartbeat: ": ping\n\n" });
  const reader = stream.body.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  assert.equal(value, ": ping\n\n");
  stream.close();
  await reader.cancel();
});

Deno.test("a run channel delivers items, then the result; an unread result never goes unhandled", async () => {
  const channel = new RunChannel<number, string>(2);
  const produced = (async () => {
    for (let i = 0; i < 5; i++) await channel.push(i);
    channel.end("done");
  })();
  const seen: number[] = [];
  for await (const item of channel) seen.push(item);
  await produced;
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.equal(await channel.result, "done");
  const failing = new RunChannel<number, string>();
  failing.fail(new Error("engine failed"));
  await assert.rejects(async () => {
    for await (const _ of failing) { /* nothing */ }
  }, /engine failed/);
});

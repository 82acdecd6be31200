/**
 * Concurrency and lifecycle with the real engine (RELIABILITY 21, 22, 28, 29, 31). 23 and 25 (bounded buffer, heartbeats) are tested on
 * ResponseStream in stream_test.ts: on llvmpipe `queue.submit` blocks the event loop while the
 * GPU works, so timer-driven heartbeats cannot be observed end to end there.: cancellation on
 * disconnect, queued clients leaving, slow readers, heartbeats, 503 when saturated, eviction,
 * load failures; other clients keep being served meanwhile.
 */
import assert from "node:assert/strict";
import { EMBEDDED_MODEL, StoreCatalog } from "../../server/mod.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";
import { postJson, startTestServer } from "./harness.ts";

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
const tmp = await Deno.makeTempDir();
const broken = `${tmp}/broken.gguf`;
await Deno.writeFile(
  broken,
  new TextEncoder().encode("GGUF\u0003\u0000\u0000\u0000not really a model"),
);
const catalog = new StoreCatalog(null, [
  EMBEDDED_MODEL,
  {
    name: "tiny-q8:latest",
    spec: `${FIXTURE_DIR}/gguf/tiny-Q8_0.gguf`,
    size: 28174912,
    format: "gguf",
    modifiedAt: new Date(),
  },
  { name: "broken:latest", spec: broken, size: 30, format: "gguf", modifiedAt: new Date() },
]);
const srv = await startTestServer({
  catalog,
  parallel: 1,
  maxQueue: 1,
  maxLoaded: 1,
  heartbeatMs: 5,
  stallTimeoutMs: 400,
});
const CHAT = `${srv.url}/v1/chat/completions`;
const slots = srv.server.context.slots;
const long = {
  model: "default",
  messages: [{ role: "user", content: "Write a long Python module." }],
  max_tokens: 400,
  temperature: 0,
  stream: true,
};

async function until(check: () => boolean, what: string, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Starts a stream and returns once its first content chunk arrived. */
async function openStream(body: Record<string, unknown> = long) {
  const abort = new AbortController();
  const response = await fetch(CHAT, {
    method: "POST",
    body: JSON.stringify(body),
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes('"content"')) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
  }
  return { abort, reader, response };
}

test("21. a client that disconnects mid-stream cancels its generation and frees its slot", async () => {
  const { abort } = await openStream();
  assert.equal(slots.running, 1);
  abort.abort();
  await until(() => slots.running === 0, "the slot to be freed");
  await until(() => srv.logs.some((l) => l.includes("request_cancelled")), "the cancellation log");
  const next = await postJson(CHAT, {
    model: "default",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 2,
  });
  assert.equal(next.status, 200, "the server keeps serving");
});

test("28. beyond the queue a client gets 503 server_busy with Retry-After; the queued one is served", async () => {
  const first = await openStream();
  const queued = postJson(CHAT, {
    model: "default",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 2,
  });
  await until(() => slots.waiting === 1, "a queued request");
  const refused = await postJson(CHAT, {
    model: "default",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 2,
  });
  assert.equal(refused.status, 503);
  assert.equal((refused.body.error as { code: string }).code, "server_busy");
  assert.equal(refused.headers.get("retry-after"), "1");
  const health = await fetch(`${srv.url}/health`);
  assert.equal(health.status, 200, "health answers while saturated");
  await health.body?.cancel();
  first.abort.abort();
  assert.equal((await queued).status, 200);
});

test("22. a client that leaves while queued is removed from the queue", async () => {
  const first = await openStream();
  const leaving = new AbortController();
  const queued = fetch(CHAT, {
    method: "POST",
    body: JSON.stringify({
      model: "default",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 2,
    }),
    signal: leaving.signal,
  }).catch(() => null);
  await until(() => slots.waiting === 1, "a queued request");
  leaving.abort();
  await queued;
  await until(() => slots.waiting === 0, "the queue to empty");
  first.abort.abort();
  await until(() => slots.running === 0, "the slot to be freed");
});

test("29. with room for one model, asking for another evicts the idle one", async () => {
  await postJson(CHAT, {
    model: "default",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 2,
  });
  const other = await postJson(CHAT, {
    model: "tiny-q8",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 2,
  });
  assert.equal(other.status, 200, JSON.stringify(other.body));
  const ps = await (await fetch(`${srv.url}/api/ps`)).json();
  assert.deepEqual(ps.models.map((m: { name: string }) => m.name), ["tiny-q8:latest"]);
});

test("31. a model that fails to load is a 500 with a clear message; the server stays up and health says why", async () => {
  const { status, body } = await postJson(CHAT, {
    model: "broken",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(status, 500);
  const error = body.error as { code: string; message: string };
  assert.equal(error.code, "model_load_error");
  assert.match(error.message, /model "broken:latest" failed to load/);
  const health = await (await fetch(`${srv.url}/health`)).json();
  assert.match(health.models["broken:latest"], /^failed: /);
  const again = await postJson(CHAT, {
    model: "broken",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(again.status, 500, "the next request retries the load");
  const fine = await postJson(CHAT, {
    model: "default",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 2,
  });
  assert.equal(fine.status, 200);
});

test("32. shutdown refuses new requests with 503, then aborts running streams with finish_reason abort", async () => {
  const response = await fetch(CHAT, { method: "POST", body: JSON.stringify(long) });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes('"content"')) text += (await reader.read()).value ?? "";
  const stopping = srv.server.shutdown(300);
  const refused = await postJson(CHAT, {
    model: "default",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(refused.status, 503);
  assert.ok(refused.headers.get("retry-after"));
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await stopping;
  assert.match(text, /"finish_reason":"abort"/);
  assert.ok(text.trimEnd().endsWith("data: [DONE]"));
  const health = await fetch(`${srv.url}/health`);
  assert.equal(health.status, 503, "health says draining");
  await health.body?.cancel();
});

test("closes the server", async () => {
  await srv.close();
  await Deno.remove(tmp, { recursive: true });
});

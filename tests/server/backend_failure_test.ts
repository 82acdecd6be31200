/**
 * RELIABILITY 24: a backend that fails after it started answering. The status (200) is already
 * sent, so SSE ends with an error frame then `[DONE]` and NDJSON with an `{"error"}` line. The
 * backend here is a registered ChatBackend (the swarm's seam), not a model: it emits two deltas
 * and then fails the way an engine error surfaces.
 */
import assert from "node:assert/strict";
import type { ChatBackend, ChatDelta, ChatOutcome } from "../../server/mod.ts";
import { GenerationError, RunChannel } from "../../server/mod.ts";
import { postJson, startTestServer } from "./harness.ts";

const failing: ChatBackend = {
  name: "failing",
  matches: (model) => model === "failing",
  models: () => [{ name: "failing" }],
  chat() {
    const channel = new RunChannel<ChatDelta, ChatOutcome>();
    (async () => {
      await channel.push({ content: "partial " });
      await channel.push({ content: "answer" });
      channel.fail(new GenerationError("device lost"));
    })();
    return channel;
  },
};

const srv = await startTestServer({ backends: [failing] });
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
const messages = [{ role: "user", content: "hi" }];

test("24. SSE: deltas, then an OpenAI error frame, then [DONE], with status 200", async () => {
  const response = await fetch(`${srv.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "failing", messages, stream: true }),
  });
  assert.equal(response.status, 200);
  const frames = (await response.text()).split("\n\n").filter((f) => f.startsWith("data: "));
  assert.equal(frames.at(-1), "data: [DONE]");
  const error = JSON.parse(frames.at(-2)!.slice(6)).error;
  assert.equal(error.type, "generation_error");
  assert.match(error.message, /device lost/);
  const text = frames.slice(0, -2).map((f) => JSON.parse(f.slice(6)).choices[0].delta.content ?? "")
    .join("");
  assert.equal(text, "partial answer");
});

test("24. NDJSON: lines, then an {error} line", async () => {
  const response = await fetch(`${srv.url}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model: "failing", messages }),
  });
  assert.equal(response.status, 200);
  const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l));
  assert.match(lines.at(-1).error, /device lost/);
  assert.equal(lines[0].message.content, "partial ");
});

test("a failure before any output is a 500 generation_error, not a hung or empty 200", async () => {
  const { status, body } = await postJson(`${srv.url}/v1/chat/completions`, {
    model: "failing",
    messages,
  });
  assert.equal(status, 500);
  assert.equal((body.error as { code: string }).code, "generation_error");
  assert.ok(srv.logs.some((l) => l.includes("device lost")), "logged for the operator");
});

test("closes the server", async () => {
  await srv.close();
});

/**
 * `synapse up` as a user runs it: narrow permissions (RELIABILITY 44, 50), the embedded model
 * with nothing pulled, the official client, a second `up` on the same port (33), and a clean
 * drain on SIGTERM (32).
 */
import assert from "node:assert/strict";
import OpenAI from "npm:openai@7.57.0";
import { startUp, type UpProcess } from "./up_process.ts";

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
const home = await Deno.makeTempDir({ prefix: "synapse-e2e-" });
const vars = { SYNAPSE_HOME: home, HOME: home, PATH: Deno.env.get("PATH") ?? "" };
let up: UpProcess;

test("up binds 127.0.0.1 and serves the embedded model with nothing pulled", async () => {
  up = await startUp(["--port", "0"], vars);
  assert.match(up.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const client = new OpenAI({ baseURL: `${up.url}/v1`, apiKey: "none", maxRetries: 0 });
  const completion = await client.chat.completions.create({
    model: "default",
    messages: [{ role: "user", content: "def add(a, b):" }],
    max_tokens: 4,
  });
  assert.equal(typeof completion.choices[0].message.content, "string");
  assert.ok(completion.usage!.completion_tokens >= 1);
});

test("50. the serving process holds narrow permissions only", async () => {
  const status = await (await fetch(`${up.url}/api/status`)).json();
  assert.deepEqual(status.permissions, {
    read_anywhere: false,
    write_anywhere: false,
    net_anywhere: false,
    env_all: false,
    run: false,
    ffi: false,
  });
  assert.equal(status.home, home);
  const served = status.models.find((m: { name: string }) => m.name === "default:latest");
  assert.ok(served, JSON.stringify(status.models));
  // It names what runs the model: a WebGPU adapter, or the CPU backend where there is no GPU.
  assert.match(served.runs_on, /\(WebGPU\)$|^CPU \(WebAssembly SIMD, \d+ threads?\)$/);
});

test("chats are logged to memory and come back at /api/conversations", async () => {
  const answer = await fetch(`${up.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "default",
      messages: [{ role: "user", content: "Paris is the capital of France." }],
      max_tokens: 3,
    }),
  });
  const body = await answer.json();
  assert.equal(typeof body.synapse?.conversation_id, "number");
  assert.ok(Array.isArray(body.synapse.claims));
  const url = `${up.url}/api/conversations/${body.synapse.conversation_id}`;
  const { conversation } = await (await fetch(url)).json();
  assert.deepEqual(conversation.messages.map((m: { role: string }) => m.role), [
    "user",
    "assistant",
  ]);
  assert.equal(conversation.messages[1].responseId, body.id);
});

test("33. a second up on the same port exits non-zero saying a synapse runs there", async () => {
  const port = new URL(up.url).port;
  const second = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "up", "--port", port],
    env: vars,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.notEqual(second.code, 0);
  const err = new TextDecoder().decode(second.stderr).trim();
  assert.match(
    err.split("\n").at(-1)!,
    /port \d+ on 127\.0\.0\.1 is in use: another synapse is already running there/,
  );
});

test("32. SIGTERM drains the running stream, refuses new work, and exits 0", async () => {
  const response = await fetch(`${up.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({
      model: "default",
      messages: [{ role: "user", content: "Write code." }],
      max_tokens: 24,
      stream: true,
    }),
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = (await reader.read()).value ?? "";
  const stopped = up.stop("SIGTERM");
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  assert.ok(text.trimEnd().endsWith("data: [DONE]"), "the running stream finished");
  assert.match(text, /"finish_reason":"(stop|length|abort)"/);
  assert.equal(await stopped, 0);
  assert.match(up.stderr(), /SIGTERM: draining/);
  await Deno.remove(home, { recursive: true });
});

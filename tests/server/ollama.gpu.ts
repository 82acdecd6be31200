/**
 * Ollama's API with plain `fetch`, the way Open WebUI and Continue call it: version, tags,
 * streaming NDJSON chat, generate (with `suffix`), show (context length, template), ps and
 * keep_alive (RELIABILITY 30).
 */
import assert from "node:assert/strict";
import { postJson, startTestServer } from "./harness.ts";

const srv = await startTestServer({ keepAliveMs: 300_000 });
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

async function ndjson(path: string, body: unknown): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${srv.url}${path}`, { method: "POST", body: JSON.stringify(body) });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/x-ndjson");
  const text = await response.text();
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

test("GET /api/version and /api/tags answer like Ollama", async () => {
  const version = await (await fetch(`${srv.url}/api/version`)).json();
  assert.equal(typeof version.version, "string");
  const tags = await (await fetch(`${srv.url}/api/tags`)).json();
  const entry = tags.models.find((m: { name: string }) => m.name === "default:latest");
  assert.ok(entry, JSON.stringify(tags));
  for (const key of ["name", "model", "modified_at", "size", "digest", "details"]) {
    assert.ok(key in entry, key);
  }
});

test("streaming /api/chat sends NDJSON lines, then a done line with counts", async () => {
  const lines = await ndjson("/api/chat", {
    model: "default",
    messages: [{ role: "user", content: "Write a Python function." }],
    options: { temperature: 0, num_predict: 8 },
  });
  const last = lines.at(-1)!;
  assert.equal(last.done, true);
  assert.ok(["stop", "length"].includes(last.done_reason as string));
  assert.ok((last.eval_count as number) >= 1 && (last.eval_count as number) <= 8);
  assert.ok((last.prompt_eval_count as number) > 5);
  for (const line of lines.slice(0, -1)) {
    assert.equal(line.done, false);
    assert.equal((line.message as { role: string }).role, "assistant");
    assert.equal(line.model, "default");
  }
  const streamed = lines.map((l) => (l.message as { content: string }).content).join("");
  const whole = await postJson(`${srv.url}/api/chat`, {
    model: "default",
    messages: [{ role: "user", content: "Write a Python function." }],
    options: { temperature: 0, num_predict: 8 },
    stream: false,
  });
  assert.equal((whole.body.message as { content: string }).content, streamed);
});

test("/api/generate completes raw and templated prompts, and fills in the middle with suffix", async () => {
  const raw = await postJson(`${srv.url}/api/generate`, {
    model: "default",
    prompt: "def add(a, b):",
    raw: true,
    stream: false,
    options: { num_predict: 6, temperature: 0 },
  });
  assert.equal(raw.status, 200);
  assert.equal(typeof raw.body.response, "string");
  assert.equal(raw.body.done, true);
  const fim = await postJson(`${srv.url}/api/generate`, {
    model: "default",
    prompt: "def add(a, b):\n    ",
    suffix: "\n\nprint(add(1, 2))\n",
    stream: false,
    options: { num_predict: 6, temperature: 0 },
  });
  assert.equal(fim.status, 200, JSON.stringify(fim.body));
  assert.equal(typeof fim.body.response, "string");
  const lines = await ndjson("/api/generate", {
    model: "default",
    prompt: "Hello",
    options: { num_predict: 4 },
  });
  assert.equal(lines.at(-1)!.done, true);
});

test("/api/show reports context length and the chat template (what Continue reads)", async () => {
  const { status, body } = await postJson(`${srv.url}/api/show`, { model: "default" });
  assert.equal(status, 200);
  const info = body.model_info as Record<string, unknown>;
  const arch = info["general.architecture"] as string;
  assert.equal(arch, "qwen3");
  assert.equal(typeof info[`${arch}.context_length`], "number");
  assert.match(body.template as string, /im_start/);
  assert.ok((body.capabilities as string[]).includes("completion"));
  assert.ok((body.capabilities as string[]).includes("insert"));
  const missing = await postJson(`${srv.url}/api/show`, { model: "nope:1b" });
  assert.equal(missing.status, 404);
});

test("30. keep_alive 0 unloads after the answer, -1 pins, and ps shows it", async () => {
  await postJson(`${srv.url}/api/chat`, {
    model: "default",
    messages: [{ role: "user", content: "hi" }],
    stream: false,
    keep_alive: -1,
    options: { num_predict: 2 },
  });
  let ps = await (await fetch(`${srv.url}/api/ps`)).json();
  assert.equal(ps.models.length, 1);
  assert.match(ps.models[0].expires_at, /^9999/);
  await postJson(`${srv.url}/api/generate`, {
    model: "default",
    prompt: "hi",
    stream: false,
    keep_alive: 0,
    options: { num_predict: 2 },
  });
  ps = await (await fetch(`${srv.url}/api/ps`)).json();
  assert.deepEqual(ps.models, [], "unloaded after keep_alive 0");
  const loaded = await postJson(`${srv.url}/api/chat`, {
    model: "default",
    messages: [],
    keep_alive: "10m",
  });
  assert.equal(loaded.body.done_reason, "load");
  ps = await (await fetch(`${srv.url}/api/ps`)).json();
  assert.equal(ps.models.length, 1);
  const expires = Date.parse(ps.models[0].expires_at) - Date.now();
  assert.ok(expires > 9 * 60_000 && expires <= 10 * 60_000, `expires in ${expires} ms`);
  const unloaded = await postJson(`${srv.url}/api/generate`, { model: "default", keep_alive: 0 });
  assert.equal(unloaded.body.done_reason, "unload");
  assert.deepEqual((await (await fetch(`${srv.url}/api/ps`)).json()).models, []);
});

test("format: a JSON schema constrains /api/chat output", async () => {
  const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
  const { status, body } = await postJson(`${srv.url}/api/chat`, {
    model: "default",
    messages: [{ role: "user", content: "Reply in JSON." }],
    format: schema,
    stream: false,
    options: { num_predict: 16, temperature: 0 },
  });
  assert.equal(status, 200);
  const value = JSON.parse((body.message as { content: string }).content);
  assert.equal(typeof value.ok, "boolean");
});

test("closes the server", async () => {
  await srv.close();
});

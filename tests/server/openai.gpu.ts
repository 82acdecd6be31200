/**
 * The official `openai` client against a real server running the embedded default model:
 * chat (plain and streamed, equal at temperature 0), completions, models, embeddings,
 * json_schema, logprobs, usage equal to the tokenizer's counts, stop strings (RELIABILITY 12-15,
 * 20, 26).
 */
import assert from "node:assert/strict";
import OpenAI from "npm:openai@7.57.0";
import { Validator } from "npm:@cfworker/json-schema@4.1.6";
import type { Model } from "../../engine/mod.ts";
import { postJson, startTestServer } from "./harness.ts";

const srv = await startTestServer();
const client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: "unused", maxRetries: 0 });
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
const MODEL = "default";
const messages = [
  { role: "system" as const, content: "You are a Python assistant." },
  { role: "user" as const, content: "Write a function that adds two numbers." },
];

async function loadedModel(): Promise<Model> {
  const lease = await srv.manager.acquire(MODEL);
  lease.release();
  return lease.model;
}

async function streamText(params: Record<string, unknown>) {
  const stream = await client.chat.completions.create(
    { model: MODEL, messages, ...params, stream: true } as never,
  ) as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>;
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, text: chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("") };
}

test("chat answers, with usage equal to the tokenizer's counts", async () => {
  const completion = await client.chat.completions.create({
    model: MODEL,
    messages,
    max_tokens: 8,
    temperature: 0,
  });
  const choice = completion.choices[0];
  assert.equal(choice.message.role, "assistant");
  assert.equal(typeof choice.message.content, "string");
  assert.ok(["stop", "length"].includes(choice.finish_reason), choice.finish_reason);
  assert.match(completion.id, /^chatcmpl-/);
  const model = await loadedModel();
  const promptIds = model.encode(
    model.renderChat(messages, { addGenerationPrompt: true, enableThinking: false }),
  );
  assert.equal(completion.usage?.prompt_tokens, promptIds.length);
  assert.ok(completion.usage!.completion_tokens >= 1 && completion.usage!.completion_tokens <= 8);
  assert.equal(
    completion.usage?.total_tokens,
    promptIds.length + completion.usage!.completion_tokens,
  );
  if (choice.finish_reason === "length") {
    assert.equal(completion.usage?.completion_tokens, 8, "length means max_tokens were generated");
  }
});

test("a chat's next turn reports the head it shares with the last one as cached prompt tokens", async () => {
  const first = await client.chat.completions.create({
    model: MODEL,
    messages,
    max_tokens: 8,
    temperature: 0,
  });
  const turns = [
    ...messages,
    { role: "assistant" as const, content: first.choices[0].message.content ?? "" },
    { role: "user" as const, content: "Now make it subtract." },
  ];
  const next = await client.chat.completions.create({
    model: MODEL,
    messages: turns,
    max_tokens: 4,
    temperature: 0,
  });
  const model = await loadedModel();
  const ids = (m: typeof turns) =>
    model.encode(model.renderChat(m, { addGenerationPrompt: true, enableThinking: false }));
  const [before, after] = [ids(messages), ids(turns)];
  let head = 0;
  while (before[head] === after[head]) head++;
  const cached = next.usage?.prompt_tokens_details?.cached_tokens ?? -1;
  assert.ok(cached >= head && cached < after.length, `${cached} cached, ${head} shared`);
});

test("26. streamed chunks joined equal the plain answer at temperature 0; one id, role first, usage last", async () => {
  const plain = await client.chat.completions.create({
    model: MODEL,
    messages,
    max_tokens: 12,
    temperature: 0,
  });
  const { chunks, text } = await streamText({
    max_tokens: 12,
    temperature: 0,
    stream_options: { include_usage: true },
  });
  assert.equal(text, plain.choices[0].message.content);
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1, "one id for every chunk");
  assert.deepEqual(
    chunks[0].choices[0].delta,
    { role: "assistant" },
    "the first chunk carries only the role",
  );
  const finish = chunks.findIndex((c) => c.choices[0]?.finish_reason);
  assert.equal(chunks[finish].choices[0].finish_reason, plain.choices[0].finish_reason);
  const usage = chunks.at(-1)!;
  assert.equal(finish, chunks.length - 2, "the usage chunk comes after the finish chunk");
  assert.deepEqual(usage.choices, []);
  // Token counts as the plain answer's; cached_tokens may differ (it ran after the plain one).
  const counts = (u?: OpenAI.CompletionUsage) => [
    u?.prompt_tokens,
    u?.completion_tokens,
    u?.total_tokens,
  ];
  assert.deepEqual(counts(usage.usage ?? undefined), counts(plain.usage));
});

test("the raw stream ends with data: [DONE]", async () => {
  const response = await fetch(`${srv.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages, max_tokens: 3, stream: true }),
  });
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  const text = await response.text();
  assert.ok(text.trimEnd().endsWith("data: [DONE]"), text.slice(-80));
});

test("26. the same seed gives the same sampled answer twice", async () => {
  const ask = () =>
    client.chat.completions.create({
      model: MODEL,
      messages,
      max_tokens: 10,
      temperature: 0.9,
      top_p: 0.95,
      seed: 1234,
    });
  const [a, b] = [await ask(), await ask()];
  assert.equal(a.choices[0].message.content, b.choices[0].message.content);
});

test("26. concurrent requests (a batch) answer exactly like sequential ones at temperature 0", async () => {
  const prompts = ["def fib(n):", "import os", "class Stack:", "# sort a list"];
  const ask = (p: string) =>
    client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: p }],
      max_tokens: 6,
      temperature: 0,
    })
      .then((c) => c.choices[0].message.content);
  const sequential = [];
  for (const p of prompts) sequential.push(await ask(p));
  const concurrent = await Promise.all(prompts.map(ask));
  assert.deepEqual(concurrent, sequential);
});

test("completions answer text, and streamed text joins to the same", async () => {
  const plain = await client.completions.create({
    model: MODEL,
    prompt: "def add(a, b):",
    max_tokens: 8,
    temperature: 0,
  });
  assert.equal(plain.object, "text_completion");
  assert.equal(typeof plain.choices[0].text, "string");
  assert.ok(plain.usage!.completion_tokens <= 8);
  const stream = await client.completions.create({
    model: MODEL,
    prompt: "def add(a, b):",
    max_tokens: 8,
    temperature: 0,
    stream: true,
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
  assert.equal(text, plain.choices[0].text);
});

test("15. prompt token ids work; out-of-vocabulary ids are a 400", async () => {
  const model = await loadedModel();
  const ids = model.encode("def add(a, b):");
  const byIds = await client.completions.create({
    model: MODEL,
    prompt: ids,
    max_tokens: 4,
    temperature: 0,
  });
  const byText = await client.completions.create({
    model: MODEL,
    prompt: "def add(a, b):",
    max_tokens: 4,
    temperature: 0,
  });
  assert.equal(byIds.choices[0].text, byText.choices[0].text);
  const bad = await postJson(`${srv.url}/v1/completions`, {
    model: MODEL,
    prompt: [1, 2, 999_999_999],
  });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body), /out of vocabulary/);
  const mixed = await postJson(`${srv.url}/v1/completions`, { model: MODEL, prompt: ["a", 5] });
  assert.equal(mixed.status, 400);
});

test("models lists the embedded model", async () => {
  const list = await client.models.list();
  const ids = [];
  for await (const m of list) ids.push(m.id);
  assert.ok(ids.includes("default:latest"), ids.join(","));
});

test("embeddings are unit-length mean-pooled hidden states, as floats or base64", async () => {
  const model = await loadedModel();
  const result = await client.embeddings.create({
    model: MODEL,
    input: ["def add(a, b):", "import os"],
    encoding_format: "float",
  });
  assert.equal(result.data.length, 2);
  for (const item of result.data) {
    assert.equal(item.embedding.length, model.info.hiddenSize);
    const norm = Math.sqrt(item.embedding.reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
  }
  assert.notDeepEqual(result.data[0].embedding, result.data[1].embedding);
  const raw = await model.embed(model.encode("def add(a, b):"));
  const norm = Math.sqrt(raw.reduce((s, x) => s + x * x, 0));
  raw.forEach((x, i) => assert.ok(Math.abs(x / norm - result.data[0].embedding[i]) < 1e-5));
  assert.equal(
    result.usage.prompt_tokens,
    model.encode("def add(a, b):").length + model.encode("import os").length,
  );
  const b64 = await postJson(`${srv.url}/v1/embeddings`, {
    model: MODEL,
    input: "def add(a, b):",
    encoding_format: "base64",
  });
  const bytes = Uint8Array.from(
    atob((b64.body.data as { embedding: string }[])[0].embedding),
    (c) => c.charCodeAt(0),
  );
  const floats = new Float32Array(bytes.buffer);
  floats.forEach((x, i) => assert.ok(Math.abs(x - result.data[0].embedding[i]) < 1e-6));
});

test("19. an embedding input longer than the context is a 400, never truncated silently", async () => {
  const model = await loadedModel();
  const long = "word ".repeat(model.info.contextLength + 10);
  const { status, body } = await postJson(`${srv.url}/v1/embeddings`, {
    model: MODEL,
    input: long,
  });
  assert.equal(status, 400);
  assert.match(JSON.stringify(body), /context holds/);
});

test("16. a json_schema response parses and validates against the schema", async () => {
  const schema = {
    type: "object",
    properties: {
      answer: { enum: ["yes", "no"] },
      count: { type: "integer", minimum: 0, maximum: 9 },
      ok: { type: "boolean" },
    },
    required: ["answer", "count", "ok"],
    additionalProperties: false,
  };
  const completion = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: "Is 2 + 2 = 4? Answer in JSON." }],
    max_tokens: 64,
    temperature: 0,
    response_format: {
      type: "json_schema",
      json_schema: { name: "verdict", schema, strict: true },
    },
  });
  assert.equal(completion.choices[0].finish_reason, "stop");
  const value = JSON.parse(completion.choices[0].message.content!);
  const result = new Validator(schema as never, "2020-12").validate(value);
  assert.ok(result.valid, JSON.stringify(result.errors));
});

test("16. json_object mode gives a JSON object when it finishes", async () => {
  const completion = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: "Give me a JSON object." }],
    max_tokens: 24,
    temperature: 0,
    response_format: { type: "json_object" },
  });
  const text = completion.choices[0].message.content!;
  assert.ok(text.startsWith("{"), text);
  if (completion.choices[0].finish_reason === "stop") {
    assert.equal(typeof JSON.parse(text), "object");
  }
});

test("logprobs and top_logprobs come back for every generated token", async () => {
  const completion = await client.chat.completions.create({
    model: MODEL,
    messages,
    max_tokens: 5,
    temperature: 0,
    logprobs: true,
    top_logprobs: 3,
  });
  const entries = completion.choices[0].logprobs!.content!;
  assert.equal(entries.length, completion.usage!.completion_tokens);
  for (const e of entries) {
    assert.ok(e.logprob <= 0);
    assert.equal(e.top_logprobs.length, 3);
    assert.equal(e.top_logprobs[0].token, e.token, "greedy picks the most likely token");
    assert.deepEqual(e.bytes, [...new TextEncoder().encode(e.token)]);
  }
  assert.equal(entries.map((e) => e.token).join(""), completion.choices[0].message.content);
});

test("14. a stop string cuts the answer before it, streamed or not, and is never emitted", async () => {
  const plain = await client.chat.completions.create({
    model: MODEL,
    messages,
    max_tokens: 16,
    temperature: 0,
  });
  const text = plain.choices[0].message.content!;
  assert.ok(text.length >= 6, `need a longer answer than ${JSON.stringify(text)}`);
  const stop = text.slice(3, 6);
  const cut = text.slice(0, text.indexOf(stop));
  const stopped = await client.chat.completions.create({
    model: MODEL,
    messages,
    max_tokens: 16,
    temperature: 0,
    stop,
  });
  assert.equal(stopped.choices[0].message.content, cut);
  assert.equal(stopped.choices[0].finish_reason, "stop");
  const { chunks, text: streamed } = await streamText({
    max_tokens: 16,
    temperature: 0,
    stop: [stop, "", "zzzz-never"],
  });
  assert.equal(streamed, cut);
  assert.ok(chunks.every((c) => !(c.choices[0]?.delta?.content ?? "").includes(stop)));
  const many = await client.chat.completions.create({
    model: MODEL,
    messages,
    max_tokens: 16,
    temperature: 0,
    stop: Array.from({ length: 50 }, (_, i) => `never-${i}`),
  } as never) as OpenAI.ChatCompletion;
  assert.equal(many.choices[0].message.content, text, "50 non-matching stops change nothing");
});

test("20. streamed text never contains U+FFFD for CJK and emoji prompts", async () => {
  for (const content of ["写一个Python函数 🐍", "emoji 👩‍👩‍👧 ZWJ and RTL \u202e text"]) {
    const { chunks, text } = await streamText({
      messages: [{ role: "user", content }],
      max_tokens: 12,
      temperature: 0,
    });
    assert.ok(!text.includes("\uFFFD"), JSON.stringify(text));
    assert.ok(chunks.every((c) => !(c.choices[0]?.delta?.content ?? "").includes("\uFFFD")));
  }
});

test("12. a prompt longer than the context is a 400 context_length_exceeded", async () => {
  const model = await loadedModel();
  const { status, body } = await postJson(`${srv.url}/v1/chat/completions`, {
    model: MODEL,
    messages: [{ role: "user", content: "hello ".repeat(model.info.contextLength + 50) }],
  });
  assert.equal(status, 400);
  assert.equal((body.error as { code: string }).code, "context_length_exceeded");
});

test("tools are accepted and rendered; the answer is content or parsed tool calls, never a crash", async () => {
  const completion = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: "What is the weather in Lima?" }],
    tools: [{
      type: "function",
      function: {
        name: "get_weather",
        parameters: { type: "object", properties: { city: { type: "string" } } },
      },
    }],
    max_tokens: 8,
    temperature: 0,
  });
  const message = completion.choices[0].message;
  assert.ok(typeof message.content === "string" || (message.tool_calls?.length ?? 0) > 0);
});

test("9. odd Unicode never makes a 500: lone surrogates, NUL, RTL overrides, ZWJ, a 2 MB line", async () => {
  const odd = ["\ud800 lone", "nul \u0000 byte", "\u202e reversed", "👩‍👩‍👧", "x\udfff"];
  for (const content of odd) {
    const { status } = await postJson(`${srv.url}/v1/chat/completions`, {
      model: MODEL,
      messages: [{ role: "user", content }],
      max_tokens: 2,
    });
    assert.equal(status, 200, JSON.stringify(content));
  }
  const huge = await postJson(`${srv.url}/v1/chat/completions`, {
    model: MODEL,
    messages: [{ role: "user", content: "a".repeat(2_000_000) }],
  });
  assert.equal(huge.status, 400);
});

test("closes the server", async () => {
  await srv.close();
});

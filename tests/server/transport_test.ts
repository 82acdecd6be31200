/**
 * RELIABILITY items 1-8, 10-11 and 18 (transport, body, parameter validation) against a real
 * server; none of these requests reach a model.
 */
import assert from "node:assert/strict";
import { postJson, startTestServer } from "./harness.ts";
import { connect, parseRaw, rawRequest, readAll, requestText, send } from "./raw_http.ts";

const srv = await startTestServer({ maxBodyBytes: 4 * 1024 * 1024, bodyTimeoutMs: 400 });
const CHAT = `${srv.url}/v1/chat/completions`;
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
const user = [{ role: "user", content: "hi" }];

function openAiError(body: Record<string, unknown>) {
  const error = body.error as Record<string, unknown>;
  assert.equal(typeof error, "object", JSON.stringify(body));
  assert.equal(typeof error.message, "string");
  assert.ok("type" in error && "param" in error && "code" in error, JSON.stringify(error));
  assert.ok(!/\bat .*\.ts:\d+/.test(String(error.message)), "no stack trace");
  return error;
}

test("1. a body that is not JSON or is truncated is a 400 naming the parse failure", async () => {
  for (const text of ["{", '{"model": "x", "messages": [', "not json", ""]) {
    const { status, body } = await postJson(CHAT, text);
    assert.equal(status, 400, text);
    const error = openAiError(body);
    assert.equal(error.type, "invalid_request_error");
    assert.match(String(error.message), /JSON|empty/);
  }
});

test("2. valid JSON that is not an object is a 400, never a 500", async () => {
  for (const text of ["[]", "42", "null", '"x"', "true"]) {
    const { status, body } = await postJson(CHAT, text);
    assert.equal(status, 400, text);
    assert.match(String(openAiError(body).message), /must be a JSON object/);
  }
});

test("3. a body over the limit is a 413, with Content-Length or chunked, before it is all sent", async () => {
  const big = JSON.stringify({
    model: "x",
    messages: [{ role: "user", content: "a".repeat(5_000_000) }],
  });
  const { status, body } = await postJson(CHAT, big);
  assert.equal(status, 413);
  assert.equal(openAiError(body).code, "request_too_large");
  // Chunked, no Content-Length: send past the limit, then stall; the 413 must come anyway.
  const conn = await connect(srv.port);
  await send(
    conn,
    "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n",
  );
  const chunk = "x".repeat(16 * 1024);
  for (let i = 0; i < 300; i++) await send(conn, `${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  const answer = parseRaw(await readAll(conn, 2000));
  conn.close();
  assert.equal(answer.status, 413);
});

test("4. missing Content-Type is accepted, other types are 415, compressed bodies are 415", async () => {
  const body = JSON.stringify({ model: "nope", messages: user });
  const noType = await fetch(CHAT, { method: "POST", body: new TextEncoder().encode(body) });
  assert.equal(noType.status, 404, "parsed as JSON and reached model lookup");
  await noType.body?.cancel();
  const xml = await postJson(CHAT, body, { "content-type": "application/xml" });
  assert.equal(xml.status, 415);
  const gzip = await postJson(CHAT, body, { "content-encoding": "gzip" });
  assert.equal(gzip.status, 415);
  assert.match(String(openAiError(gzip.body).message), /Content-Encoding "gzip"/);
});

test("5. a client that stalls mid-body gets 408 and others are served meanwhile", async () => {
  const conn = await connect(srv.port);
  await send(
    conn,
    'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model":',
  );
  const other = await fetch(`${srv.url}/health`);
  assert.equal(other.status, 200);
  await other.body?.cancel();
  const answer = parseRaw(await readAll(conn, 3000));
  conn.close();
  assert.equal(answer.status, 408);
  assert.equal(srv.server.context.slots.running, 0, "no slot taken");
});

test("6. deeply nested JSON and huge arrays are refused before processing", async () => {
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  const deepResult = await postJson(CHAT, deep);
  assert.equal(deepResult.status, 400);
  assert.match(String(openAiError(deepResult.body).message), /nests deeper/);
  const wide = await postJson(
    CHAT,
    `{"model":"x","messages":[${Array(1_000_001).fill(0).join(",")}]}`,
  );
  assert.equal(wide.status, 400);
  assert.match(String(openAiError(wide.body).message), /more than 1000000 values/);
  const nested = `{"model":"x","messages":${"[".repeat(200)}${"]".repeat(200)}}`;
  const nestedResult = await postJson(CHAT, nested);
  assert.equal(nestedResult.status, 400);
  assert.match(String(openAiError(nestedResult.body).message), /nests deeper/);
  const many = await postJson(CHAT, {
    model: "x",
    messages: Array.from({ length: 10_001 }, () => ({ role: "user", content: "" })),
  });
  assert.equal(many.status, 400);
});

test("7. unknown fields are ignored; n>1 and logit_bias are a 400 naming the param", async () => {
  const extra = await postJson(CHAT, {
    model: "nope",
    messages: user,
    some_future_field: { a: 1 },
    user: "u1",
  });
  assert.equal(extra.status, 404, "unknown fields did not stop the request");
  for (const [param, value] of [["n", 2], ["logit_bias", { "42": 5 }], ["best_of", 3]] as const) {
    const { status, body } = await postJson(CHAT, {
      model: "nope",
      messages: user,
      [param]: value,
    });
    assert.equal(status, 400, param);
    assert.equal(openAiError(body).param, param);
  }
  const ok = await postJson(CHAT, { model: "nope", messages: user, n: 1, logit_bias: {} });
  assert.equal(ok.status, 404);
});

test("8. wrong types and ranges are a 400 with the param", async () => {
  const cases: [string, unknown][] = [
    ["temperature", -1],
    ["temperature", "0.5"],
    ["top_p", 2],
    ["top_p", 0],
    ["max_tokens", 0],
    ["max_tokens", -5],
    ["max_tokens", 1e12],
    ["max_tokens", "10"],
    ["max_tokens", 1.5],
    ["seed", 1.5],
    ["seed", "7"],
    ["max_completion_tokens", -1],
    ["presence_penalty", 3],
    ["top_logprobs", 50],
    ["stop", 5],
    ["stop", Array(65).fill("x")],
  ];
  for (const [param, value] of cases) {
    const { status, body } = await postJson(CHAT, {
      model: "nope",
      messages: user,
      logprobs: true,
      [param]: value,
    });
    assert.equal(status, 400, `${param}=${JSON.stringify(value)}`);
    assert.equal(openAiError(body).param, param, `${param}=${JSON.stringify(value)}`);
  }
  // NaN cannot be sent as JSON; a NaN literal is a parse error (400), not a 500.
  const nan = await postJson(
    CHAT,
    `{"model":"nope","messages":[{"role":"user","content":"x"}],"max_tokens":NaN}`,
  );
  assert.equal(nan.status, 400);
});

test("10. bad messages are a 400: missing, empty, null, unknown role, numeric content, assistant last", async () => {
  const cases: unknown[] = [
    { model: "nope" },
    { model: "nope", messages: [] },
    { model: "nope", messages: null },
    { model: "nope", messages: [{ role: "wizard", content: "x" }] },
    { model: "nope", messages: [{ role: "user", content: 42 }] },
    {
      model: "nope",
      messages: [{ role: "user", content: "x" }, { role: "assistant", content: "pre" }],
    },
    {
      model: "nope",
      messages: [{
        role: "user",
        content: [{ type: "image_url", image_url: { url: "http://x" } }],
      }],
    },
  ];
  for (const body of cases) {
    const result = await postJson(CHAT, body);
    assert.equal(result.status, 400, JSON.stringify(body));
    assert.match(String(openAiError(result.body).param), /^messages/, JSON.stringify(body));
  }
  const twoAssistant = await postJson(CHAT, {
    model: "nope",
    messages: [{ role: "assistant", content: "a" }, { role: "assistant", content: "b" }, {
      role: "user",
      content: "",
    }],
  });
  assert.equal(twoAssistant.status, 404, "two assistant turns and empty content are accepted");
});

test("11. an unknown model is a 404 model_not_found saying how to pull; path-like names are a 400", async () => {
  const { status, body } = await postJson(CHAT, { model: "qwen9:1b", messages: user });
  assert.equal(status, 404);
  const error = openAiError(body);
  assert.equal(error.code, "model_not_found");
  assert.match(String(error.message), /synapse pull qwen9:1b/);
  for (const model of ["../../etc/passwd", "a/b", "a%2Fb", "/abs/model.gguf", "x".repeat(10_000)]) {
    const bad = await postJson(CHAT, { model, messages: user });
    assert.equal(bad.status, 400, model.slice(0, 30));
    assert.equal(openAiError(bad.body).param, "model");
  }
});

test("16/17. unenforceable schemas and bad tools are a 400 before any model work", async () => {
  const schemas = [
    { type: "string", pattern: "a+" },
    { $ref: "#/$defs/a", $defs: { a: { $ref: "#/$defs/a" } } },
    { enum: Array.from({ length: 3000 }, (_, i) => i) },
  ];
  for (const schema of schemas) {
    const { status, body } = await postJson(CHAT, {
      model: "nope",
      messages: user,
      response_format: { type: "json_schema", json_schema: { name: "x", schema } },
    });
    assert.equal(status, 400);
    assert.match(String(openAiError(body).param), /response_format/);
  }
  const tool = (name: string, parameters: unknown = { type: "object" }) => ({
    type: "function",
    function: { name, parameters },
  });
  const toolCases = [
    [tool("a"), tool("a")],
    [tool("bad name!")],
    [tool("a", { type: "banana" })],
    [tool("a", "not a schema")],
    Array.from({ length: 1000 }, (_, i) => tool(`t${i}`)),
  ];
  for (const tools of toolCases) {
    const { status, body } = await postJson(CHAT, { model: "nope", messages: user, tools });
    assert.equal(status, 400);
    assert.match(String(openAiError(body).param), /tools/);
  }
});

test("18. stream_options without stream is a 400", async () => {
  const { status, body } = await postJson(CHAT, {
    model: "nope",
    messages: user,
    stream_options: { include_usage: true },
  });
  assert.equal(status, 400);
  assert.equal(openAiError(body).param, "stream_options");
});

test("19. empty or oversized embedding inputs are a 400", async () => {
  for (const input of ["", [], [""], Array(3000).fill("a"), 5]) {
    const { status, body } = await postJson(`${srv.url}/v1/embeddings`, { model: "nope", input });
    assert.equal(status, 400, JSON.stringify(input).slice(0, 20));
    assert.equal(openAiError(body).param?.toString().startsWith("input"), true);
  }
});

test("errors on Ollama routes use Ollama's shape", async () => {
  const { status, body } = await postJson(`${srv.url}/api/chat`, "{oops");
  assert.equal(status, 400);
  assert.equal(typeof body.error, "string");
  const missing = await postJson(`${srv.url}/api/chat`, { model: "qwen9:1b", messages: user });
  assert.equal(missing.status, 404);
  assert.match(String(missing.body.error), /not found/);
});

test("unknown paths are 404 and wrong methods 405 with Allow", async () => {
  const missing = await fetch(`${srv.url}/v1/nothing`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const wrong = await fetch(CHAT);
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("allow"), "POST");
  await wrong.body?.cancel();
});

test("raw requests with a loopback Host are served", async () => {
  const answer = await rawRequest(srv.port, requestText("GET", "/health", `127.0.0.1:${srv.port}`));
  assert.equal(answer.status, 200);
  assert.equal(JSON.parse(answer.body).status, "ok");
});

test("closes the server", async () => {
  await srv.close();
});

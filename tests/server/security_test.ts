/**
 * RELIABILITY items 9 (log injection), 44-47 and 49: Host checks (DNS rebinding) on every
 * route, CORS only for listed origins, cross-origin writes refused, API key, no secrets leaked.
 */
import assert from "node:assert/strict";
import { safeEqual } from "../../server/security.ts";
import { postJson, startTestServer } from "./harness.ts";
import { rawRequest, requestText } from "./raw_http.ts";

const KEY = "sk-test-0123456789";
const srv = await startTestServer({
  apiKey: KEY,
  allowedHosts: ["mybox.lan"],
  allowedOrigins: ["http://localhost:3000"],
});
const test = (name: string, fn: () => Promise<void> | void) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
const auth = { authorization: `Bearer ${KEY}` };
const ROUTES = ["/health", "/v1/models", "/api/tags", "/api/status", "/no/such/route"];

test("45. a Host that is not loopback or listed is a 403 on every route", async () => {
  const bad = [
    `evil.example:${srv.port}`,
    `:${srv.port}`,
    null,
    `localhost.evil.com:${srv.port}`,
    "127.0.0.1.nip.io",
    "",
  ];
  for (const path of ROUTES) {
    for (const host of bad) {
      const answer = await rawRequest(srv.port, requestText("GET", path, host, undefined, auth));
      assert.ok([400, 403].includes(answer.status), `${path} Host=${host}: ${answer.status}`);
      if (host && host.includes(".")) assert.equal(answer.status, 403, `${path} Host=${host}`);
    }
  }
});

test("45. loopback names and listed hosts are accepted", async () => {
  for (
    const host of [
      `127.0.0.1:${srv.port}`,
      `localhost:${srv.port}`,
      `[::1]:${srv.port}`,
      "mybox.lan",
      `MyBox.lan:${srv.port}`,
    ]
  ) {
    const answer = await rawRequest(
      srv.port,
      requestText("GET", "/v1/models", host, undefined, auth),
    );
    assert.equal(answer.status, 200, host);
  }
});

test("47. a missing or wrong API key is a 401 authentication_error; /health stays public", async () => {
  const none = await fetch(`${srv.url}/v1/models`);
  assert.equal(none.status, 401);
  const body = await none.json();
  assert.equal(body.error.type, "authentication_error");
  const wrong = await fetch(`${srv.url}/v1/models`, {
    headers: { authorization: "Bearer sk-test-0123456780" },
  });
  assert.equal(wrong.status, 401);
  const wrongBody = await wrong.text();
  assert.ok(!wrongBody.includes(KEY), "the key never appears in an error");
  const ollama = await fetch(`${srv.url}/api/tags`);
  assert.equal(ollama.status, 401);
  assert.equal(typeof (await ollama.json()).error, "string");
  const right = await fetch(`${srv.url}/v1/models`, { headers: auth });
  assert.equal(right.status, 200);
  await right.body?.cancel();
  const health = await fetch(`${srv.url}/health`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
});

test("47. keys are compared in constant time over digests (any length)", () => {
  assert.equal(safeEqual(KEY, KEY), true);
  assert.equal(safeEqual(KEY, KEY + "x"), false);
  assert.equal(safeEqual("", KEY), false);
});

test("46. an unlisted origin gets no CORS headers and its writes are refused", async () => {
  const read = await fetch(`${srv.url}/v1/models`, {
    headers: { ...auth, origin: "http://evil.example" },
  });
  assert.equal(read.status, 200);
  assert.equal(read.headers.get("access-control-allow-origin"), null);
  await read.body?.cancel();
  const write = await postJson(`${srv.url}/v1/chat/completions`, { model: "x", messages: [] }, {
    ...auth,
    origin: "http://evil.example",
  });
  assert.equal(write.status, 403);
  const preflight = await fetch(`${srv.url}/v1/chat/completions`, {
    method: "OPTIONS",
    headers: { origin: "http://evil.example", "access-control-request-method": "POST" },
  });
  assert.equal(preflight.headers.get("access-control-allow-origin"), null);
  await preflight.body?.cancel();
});

test("46. a listed origin gets a preflight naming Authorization, Content-Type and x-stainless-*", async () => {
  const preflight = await fetch(`${srv.url}/v1/chat/completions`, {
    method: "OPTIONS",
    headers: {
      origin: "http://localhost:3000",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type, x-stainless-os, x-evil",
    },
  });
  await preflight.body?.cancel();
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "http://localhost:3000");
  const allowed = preflight.headers.get("access-control-allow-headers") ?? "";
  assert.match(allowed, /authorization/);
  assert.match(allowed, /content-type/);
  assert.match(allowed, /x-stainless-os/);
  assert.ok(!allowed.includes("x-evil"));
  const read = await fetch(`${srv.url}/v1/models`, {
    headers: { ...auth, origin: "http://localhost:3000" },
  });
  assert.equal(read.headers.get("access-control-allow-origin"), "http://localhost:3000");
  await read.body?.cancel();
});

test("9/49. logs are one JSON object per line whatever the client sends, without the key or prompts", async () => {
  const before = srv.logs.length;
  await rawRequest(
    srv.port,
    requestText("GET", "/v1/%0a%1b[31mFAKE%20LOG", `127.0.0.1:${srv.port}`, undefined, auth),
  );
  await postJson(`${srv.url}/v1/chat/completions`, {
    model: "nope",
    messages: [{ role: "user", content: 'secret prompt text\n{"level":"error"}' }],
  }, auth);
  const lines = srv.logs.slice(before);
  assert.ok(lines.length >= 2);
  for (const line of lines) {
    assert.ok(!line.includes("\n"), "one line");
    JSON.parse(line);
    assert.ok(!line.includes(KEY), "no key in logs");
    assert.ok(!line.includes("secret prompt text"), "no prompt text in logs");
  }
});

test("closes the server", async () => {
  await srv.close();
});

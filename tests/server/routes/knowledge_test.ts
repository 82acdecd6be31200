/** /api/knowledge over HTTP semantics (handlers called in-process). */
import assert from "node:assert/strict";
import { MemoryStore } from "../../../memory/mod.ts";
import { knowledgeRoutes } from "../../../server/routes/knowledge.ts";
import { dispatch } from "../../memory/serve_memory.ts";

function api(store: MemoryStore) {
  const routes = knowledgeRoutes(store);
  return async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method };
    if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
    const response = await dispatch(routes, new Request(`http://127.0.0.1${path}`, init));
    return { status: response.status, body: await response.json() };
  };
}

Deno.test("POST /api/knowledge stores a fact and GET finds it by subject, predicate, object or id", async () => {
  const store = MemoryStore.open(":memory:");
  const call = api(store);
  const created = await call("POST", "/api/knowledge", {
    subject: "Mars",
    predicate: "is a",
    object: "planet",
    confidence: 0.9,
    source: "test",
  });
  assert.equal(created.status, 201);
  const id = created.body.fact.id;
  assert.deepEqual(
    (await call("GET", "/api/knowledge?subject=MARS")).body.facts.map((f: { id: number }) => f.id),
    [id],
  );
  assert.equal(
    (await call("GET", "/api/knowledge?predicate=is%20a&object=planet")).body.facts.length,
    1,
  );
  assert.equal((await call("GET", `/api/knowledge/${id}`)).body.fact.confidence, 0.9);
  assert.equal((await call("GET", "/api/knowledge?q=planet")).body.facts[0].id, id);
  store.close();
});

Deno.test("POST /api/knowledge with text extracts and stores its facts", async () => {
  const store = MemoryStore.open(":memory:");
  const created = await api(store)("POST", "/api/knowledge", {
    text: "Paris is the capital of France. Mars has two moons.",
  });
  assert.equal(created.status, 201);
  assert.deepEqual(created.body.facts.map((f: { subject: string }) => f.subject), [
    "france",
    "mars",
  ]);
  store.close();
});

Deno.test("GET /api/knowledge?current=1 hides facts superseded by a stronger rival", async () => {
  const store = MemoryStore.open(":memory:");
  const call = api(store);
  await call("POST", "/api/knowledge", {
    subject: "France",
    predicate: "capital",
    object: "Paris",
  });
  await call("POST", "/api/knowledge", { subject: "France", predicate: "capital", object: "Lyon" });
  assert.equal((await call("GET", "/api/knowledge?subject=france")).body.facts.length, 2);
  assert.deepEqual(
    (await call("GET", "/api/knowledge?subject=france&current=1")).body.facts.map((
      f: { object: string },
    ) => f.object),
    ["paris"],
  );
  store.close();
});

Deno.test("DELETE /api/knowledge/:id forgets a fact; unknown ids answer 404", async () => {
  const store = MemoryStore.open(":memory:");
  const call = api(store);
  const { body } = await call("POST", "/api/knowledge", {
    subject: "a",
    predicate: "b",
    object: "c",
  });
  assert.deepEqual(await call("DELETE", `/api/knowledge/${body.fact.id}`), {
    status: 200,
    body: { deleted: body.fact.id },
  });
  assert.equal((await call("DELETE", `/api/knowledge/${body.fact.id}`)).status, 404);
  assert.equal((await call("GET", `/api/knowledge/${body.fact.id}`)).status, 404);
  const again = await call("POST", "/api/knowledge", { subject: "a", predicate: "b", object: "c" });
  assert.equal((await call("DELETE", `/api/knowledge?id=${again.body.fact.id}`)).status, 200);
  store.close();
});

Deno.test("/api/knowledge answers 400 naming the field for bad input", async () => {
  const store = MemoryStore.open(":memory:");
  const call = api(store);
  const cases: [string, string, unknown, RegExp][] = [
    ["POST", "/api/knowledge", { subject: "", predicate: "p", object: "o" }, /^subject/],
    ["POST", "/api/knowledge", { predicate: "p", object: "o" }, /^subject/],
    [
      "POST",
      "/api/knowledge",
      { subject: "s", predicate: "p", object: "o", confidence: 2 },
      /^confidence/,
    ],
    [
      "POST",
      "/api/knowledge",
      { subject: "s", predicate: "p", object: "o", negated: "no" },
      /^negated/,
    ],
    ["POST", "/api/knowledge", { text: 5 }, /^text/],
    ["POST", "/api/knowledge", "{", /^body/],
    ["POST", "/api/knowledge", "[]", /^body/],
    ["POST", "/api/knowledge", "null", /^body/],
    ["GET", "/api/knowledge?limit=abc", undefined, /^limit/],
    ["GET", "/api/knowledge?limit=100000", undefined, /^limit/],
    ["GET", "/api/knowledge/abc", undefined, /^id/],
    ["DELETE", "/api/knowledge", undefined, /^id/],
  ];
  for (const [method, path, body, message] of cases) {
    const response = await call(method, path, body);
    assert.equal(response.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
    assert.match(response.body.error, message);
  }
  assert.equal(store.facts.count(), 0);
  store.close();
});

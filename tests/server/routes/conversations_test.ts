/** /api/conversations over HTTP semantics (handlers called in-process). */
import assert from "node:assert/strict";
import { MemoryStore, recordTurn } from "../../../memory/mod.ts";
import { conversationRoutes } from "../../../server/routes/conversations.ts";
import { dispatch } from "../../memory/serve_memory.ts";

async function get(store: MemoryStore, path: string) {
  const response = await dispatch(
    conversationRoutes(store),
    new Request(`http://127.0.0.1${path}`),
  );
  return { status: response.status, body: await response.json() };
}

Deno.test("GET /api/conversations lists conversations and /:id returns messages with claim verdicts", async () => {
  const store = MemoryStore.open(":memory:");
  store.facts.add({ subject: "France", predicate: "capital", object: "Paris" });
  const id = store.conversations.start({ model: "qwen3", specialist: "geo" });
  await recordTurn(store, id, { role: "user", content: "Capital of France?" });
  await recordTurn(store, id, { role: "assistant", content: "The capital of France is Lyon." });
  const list = await get(store, "/api/conversations");
  assert.deepEqual(
    list.body.conversations.map((
      c: { id: number; messageCount: number },
    ) => [c.id, c.messageCount]),
    [[id, 2]],
  );
  const one = await get(store, `/api/conversations/${id}`);
  assert.equal(one.status, 200);
  const [question, answer] = one.body.conversation.messages;
  assert.equal(question.content, "Capital of France?");
  assert.equal(answer.claims[0].verdict, "contradicted");
  assert.equal(
    (await get(store, `/api/conversations/${id}?limit=1&offset=1`)).body.conversation.messages
      .length,
    1,
  );
  store.close();
});

Deno.test("GET /api/conversations?q= searches message text", async () => {
  const store = MemoryStore.open(":memory:");
  const id = store.conversations.start({ model: "m" });
  store.conversations.addMessage(id, { role: "user", content: "Tell me about zebras" });
  const { body } = await get(store, "/api/conversations?q=zebras");
  assert.equal(body.hits[0].conversationId, id);
  assert.match(body.hits[0].snippet, /\[zebras\]/);
  store.close();
});

Deno.test("GET /api/conversations/:id answers 404 for an unknown id and 400 for a malformed one", async () => {
  const store = MemoryStore.open(":memory:");
  assert.equal((await get(store, "/api/conversations/77")).status, 404);
  const bad = await get(store, "/api/conversations/x1");
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /^id/);
  store.close();
});

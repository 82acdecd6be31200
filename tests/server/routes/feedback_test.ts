/** POST /api/feedback over HTTP semantics (handlers called in-process). */
import assert from "node:assert/strict";
import { MemoryStore } from "../../../memory/mod.ts";
import { feedbackRoutes } from "../../../server/routes/feedback.ts";
import { dispatch } from "../../memory/serve_memory.ts";

async function post(store: MemoryStore, body: unknown) {
  const request = new Request("http://127.0.0.1/api/feedback", {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const response = await dispatch(feedbackRoutes(store), request);
  return { status: response.status, body: await response.json() };
}

function answered(store: MemoryStore): number {
  const id = store.conversations.start({ model: "m" });
  store.conversations.addMessage(id, { role: "user", content: "2+2?" });
  return store.conversations.addMessage(id, {
    role: "assistant",
    content: "5",
    specialist: "math",
    responseId: "chatcmpl-7",
  });
}

Deno.test("POST /api/feedback with a preferred text stores a pair and updates the specialist's stats", async () => {
  const store = MemoryStore.open(":memory:");
  const messageId = answered(store);
  const { status, body } = await post(store, {
    response_id: "chatcmpl-7",
    preferred_text: "4",
    rating: -1,
  });
  assert.equal(status, 201);
  assert.equal(body.messageId, messageId);
  assert.equal(body.outcome, "failure");
  assert.equal(body.stats.failures, 1);
  const [pair] = store.preferences.list();
  assert.deepEqual([pair.id, pair.prompt, pair.chosen, pair.rejected], [
    body.preferenceId,
    "2+2?",
    "4",
    "5",
  ]);
  store.close();
});

Deno.test("POST /api/feedback answers 404 for an unknown message and 400 naming a bad field", async () => {
  const store = MemoryStore.open(":memory:");
  const messageId = answered(store);
  assert.equal((await post(store, { messageId: 999, rating: 1 })).status, 404);
  assert.equal((await post(store, { responseId: "chatcmpl-0", rating: 1 })).status, 404);
  const cases: [unknown, RegExp][] = [
    [{ messageId, rating: 7 }, /^rating/],
    [{ messageId, rating: "good" }, /^rating/],
    [{ messageId: "x", rating: 1 }, /^messageId/],
    [{ rating: 1 }, /^messageId/],
    [{ messageId }, /rating|preferredText/],
    ["not json", /^body/],
  ];
  for (const [body, message] of cases) {
    const response = await post(store, body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.match(response.body.error, message);
  }
  assert.deepEqual(store.feedback.forMessage(messageId), []);
  store.close();
});

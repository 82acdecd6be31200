/** recordFeedback(): feedback rows, specialist statistics and preference pairs together. */
import assert from "node:assert/strict";
import {
  MemoryInputError,
  MemoryNotFoundError,
  MemoryStore,
  recordFeedback,
} from "../../memory/mod.ts";

function answered(store: MemoryStore, specialist?: string): number {
  const id = store.conversations.start({ model: "m" });
  store.conversations.addMessage(id, { role: "user", content: "Capital of Australia?" });
  return store.conversations.addMessage(id, {
    role: "assistant",
    content: "Sydney.",
    specialist,
    domain: "geography",
    responseId: "chatcmpl-42",
  });
}

Deno.test("recordFeedback() with a preferred text stores a pair and counts a failure", () => {
  const store = MemoryStore.open(":memory:");
  const messageId = answered(store, "geo");
  const outcome = recordFeedback(store, { messageId, preferredText: "Canberra." });
  assert.equal(outcome.outcome, "failure");
  assert.deepEqual([outcome.stats?.specialist, outcome.stats?.domain, outcome.stats?.failures], [
    "geo",
    "geography",
    1,
  ]);
  const [pair] = store.preferences.list();
  assert.equal(pair.id, outcome.preferenceId);
  assert.deepEqual(
    [pair.prompt, pair.chosen, pair.rejected, pair.source, pair.specialist, pair.messageId],
    ["Capital of Australia?", "Canberra.", "Sydney.", "feedback", "geo", messageId],
  );
  assert.equal(store.feedback.forMessage(messageId)[0].preferredText, "Canberra.");
  store.close();
});

Deno.test("recordFeedback() finds the message by response id and counts a positive rating as success", () => {
  const store = MemoryStore.open(":memory:");
  const messageId = answered(store, "geo");
  const outcome = recordFeedback(store, {
    responseId: "chatcmpl-42",
    rating: 1,
    comment: "thanks",
  });
  assert.equal(outcome.messageId, messageId);
  assert.equal(outcome.outcome, "success");
  assert.equal(outcome.preferenceId, null);
  assert.equal(store.stats.get("geo", "geography").successes, 1);
  store.close();
});

Deno.test("recordFeedback() without a specialist stores feedback but no statistics", () => {
  const store = MemoryStore.open(":memory:");
  const messageId = answered(store);
  const outcome = recordFeedback(store, { messageId, rating: -0.5 });
  assert.deepEqual([outcome.outcome, outcome.stats], [null, null]);
  assert.equal(store.feedback.forMessage(messageId)[0].rating, -0.5);
  assert.deepEqual(store.stats.all(), []);
  store.close();
});

Deno.test("recordFeedback() stores nothing for an unknown message or bad fields", () => {
  const store = MemoryStore.open(":memory:");
  const messageId = answered(store, "geo");
  assert.throws(() => recordFeedback(store, { messageId: 999, rating: 1 }), MemoryNotFoundError);
  assert.throws(
    () => recordFeedback(store, { responseId: "nope", rating: 1 }),
    MemoryNotFoundError,
  );
  assert.throws(
    () => recordFeedback(store, { rating: 1 }),
    (e) => e instanceof MemoryInputError && e.field === "messageId",
  );
  assert.throws(
    () => recordFeedback(store, { messageId, rating: 3 }),
    (e) => e instanceof MemoryInputError && e.field === "rating",
  );
  assert.throws(() => recordFeedback(store, { messageId }), (e) => e instanceof MemoryInputError);
  assert.deepEqual(store.feedback.forMessage(messageId), []);
  assert.deepEqual(store.stats.all(), []);
  store.close();
});

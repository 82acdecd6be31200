/** ConversationStore: messages with their metadata, listing, search, sanitising. */
import assert from "node:assert/strict";
import { MemoryInputError, MemoryNotFoundError, MemoryStore } from "../../memory/mod.ts";

function open(): MemoryStore {
  return MemoryStore.open(":memory:");
}

Deno.test("conversations.addMessage() stores role, content, specialist, model, tokens and latency", () => {
  const store = open();
  const id = store.conversations.start({ model: "qwen3", specialist: "coder", title: "t" });
  store.conversations.addMessage(id, { role: "user", content: "Write a loop" });
  const messageId = store.conversations.addMessage(id, {
    role: "assistant",
    content: "for (;;) {}",
    specialist: "coder",
    model: "qwen3",
    domain: "code",
    responseId: "chatcmpl-9",
    promptTokens: 12,
    completionTokens: 5,
    latencyMs: 41.5,
  });
  const conversation = store.conversations.get(id)!;
  assert.equal(conversation.messageCount, 2);
  assert.equal(conversation.specialist, "coder");
  const m = conversation.messages[1];
  assert.deepEqual(
    [
      m.id,
      m.role,
      m.content,
      m.specialist,
      m.model,
      m.domain,
      m.responseId,
      m.promptTokens,
      m.completionTokens,
      m.latencyMs,
    ],
    [messageId, "assistant", "for (;;) {}", "coder", "qwen3", "code", "chatcmpl-9", 12, 5, 41.5],
  );
  assert.equal(store.conversations.messageByResponseId("chatcmpl-9")?.id, messageId);
  assert.equal(store.conversations.promptBefore(messageId)?.content, "Write a loop");
  store.close();
});

Deno.test("conversations.addMessage() keeps claims with the message", () => {
  const store = open();
  const id = store.conversations.start({ model: "m" });
  const claims = [{
    claim: "Mars is a planet.",
    triple: { subject: "mars", predicate: "is a", object: "planet", negated: false },
    verdict: "unknown" as const,
    evidence: [],
  }];
  const messageId = store.conversations.addMessage(id, {
    role: "assistant",
    content: "Mars is a planet.",
    claims,
  });
  assert.deepEqual(store.conversations.message(messageId)?.claims, claims);
  store.close();
});

Deno.test("conversations.addMessage() refuses an unknown conversation and a bad role", () => {
  const store = open();
  assert.throws(
    () => store.conversations.addMessage(99, { role: "user", content: "hi" }),
    MemoryNotFoundError,
  );
  const id = store.conversations.start({ model: "m" });
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => store.conversations.addMessage(id, { role: "robot" as any, content: "hi" }),
    (e) => e instanceof MemoryInputError && e.field === "role",
  );
  assert.throws(
    () => store.conversations.addMessage(id, { role: "user", content: "x", promptTokens: -1 }),
    (e) => e instanceof MemoryInputError && e.field === "promptTokens",
  );
  store.close();
});

Deno.test("conversations.addMessage() stores any script byte for byte and makes NUL and lone surrogates storable", () => {
  const store = open();
  const id = store.conversations.start({ model: "m" });
  const text = "東京は日本の首都です。 Москва — столица России. 👩‍👩‍👧 \u202Eabc";
  const a = store.conversations.addMessage(id, { role: "user", content: text });
  const b = store.conversations.addMessage(id, { role: "user", content: "a\u0000b\ud800c" });
  assert.equal(store.conversations.message(a)?.content, text);
  assert.equal(store.conversations.message(b)?.content, "a\uFFFDb\uFFFDc");
  store.close();
});

Deno.test("conversations.list() shows the most recently active conversation first, paginated", () => {
  const store = open();
  const first = store.conversations.start({ model: "m" });
  const second = store.conversations.start({ model: "m" });
  const third = store.conversations.start({ model: "m" });
  // Same-millisecond timestamps fall back to id order; a message makes `first` the latest.
  const wait = Date.now() + 3;
  while (Date.now() < wait) { /* let the clock move */ }
  store.conversations.addMessage(first, { role: "user", content: "again" });
  assert.deepEqual(store.conversations.list().map((c) => c.id), [first, third, second]);
  assert.deepEqual(store.conversations.list({ limit: 1, offset: 1 }).map((c) => c.id), [third]);
  store.close();
});

Deno.test("conversations.search() finds messages by words with a marked snippet", () => {
  const store = open();
  const id = store.conversations.start({ model: "m" });
  store.conversations.addMessage(id, { role: "user", content: "How tall is the Eiffel Tower?" });
  store.conversations.addMessage(id, { role: "assistant", content: "About 330 metres." });
  const hits = store.conversations.search("eiffel");
  assert.equal(hits.length, 1);
  assert.equal(hits[0].conversationId, id);
  assert.match(hits[0].snippet, /\[Eiffel\]/);
  assert.deepEqual(store.conversations.search("'; DROP TABLE messages; --"), []);
  assert.equal(store.conversations.get(id)?.messageCount, 2);
  store.close();
});

Deno.test("conversations.delete() removes the conversation, its messages and their search entries", () => {
  const store = open();
  const id = store.conversations.start({ model: "m" });
  store.conversations.addMessage(id, { role: "user", content: "zebra" });
  assert.equal(store.conversations.delete(id), true);
  assert.equal(store.conversations.get(id), undefined);
  assert.deepEqual(store.conversations.search("zebra"), []);
  assert.equal(store.conversations.delete(id), false);
  store.close();
});

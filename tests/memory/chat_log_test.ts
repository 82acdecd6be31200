/** recordChat(): stateless chat requests folded into conversations, each turn stored once. */
import assert from "node:assert/strict";
import {
  type ChatMessage,
  MemoryStore,
  recordChat,
  transcriptFingerprint,
} from "../../memory/mod.ts";

Deno.test("recordChat() stores a first request's messages and answer and checks the answer", async () => {
  const store = MemoryStore.open(":memory:");
  store.facts.add({ subject: "France", predicate: "capital", object: "Paris" });
  const record = await recordChat(store, {
    model: "qwen3",
    messages: [
      { role: "system", content: "The sky is green." },
      { role: "user", content: "Mars is a planet. What is the capital of France?" },
    ],
    answer: {
      content: "The capital of France is Lyon.",
      specialist: "geo",
      responseId: "chatcmpl-1",
    },
  });
  assert.equal(record.continued, false);
  assert.equal(record.messageIds.length, 2);
  assert.equal(record.answer.claims[0].verdict, "contradicted");
  const conversation = store.conversations.get(record.conversationId)!;
  assert.deepEqual(conversation.messages.map((m) => m.role), ["system", "user", "assistant"]);
  assert.equal(store.facts.query({ subject: "sky" }).length, 0, "system prompts are not learned");
  assert.equal(store.facts.query({ subject: "mars" })[0].source, "user");
  store.close();
});

Deno.test("recordChat() continues the conversation a follow-up request extends, storing each turn once", async () => {
  const store = MemoryStore.open(":memory:");
  const history: ChatMessage[] = [{ role: "user", content: "Mars is a planet." }];
  const first = await recordChat(store, {
    model: "m",
    messages: history,
    answer: { content: "Indeed." },
  });
  const followUp: ChatMessage[] = [
    ...history,
    { role: "assistant", content: "Indeed." },
    { role: "user", content: "Venus is a planet too." },
  ];
  const second = await recordChat(store, {
    model: "m",
    messages: followUp,
    answer: { content: "Yes." },
  });
  assert.equal(second.continued, true);
  assert.equal(second.conversationId, first.conversationId);
  assert.equal(second.messageIds.length, 1);
  assert.equal(store.conversations.get(first.conversationId)!.messageCount, 4);
  assert.equal(
    store.facts.query({ subject: "mars" })[0].mentions,
    1,
    "the resent turn is not learned again",
  );
  assert.equal(store.conversations.list().length, 1);
  store.close();
});

Deno.test("recordChat() starts a new conversation when the history matches none", async () => {
  const store = MemoryStore.open(":memory:");
  await recordChat(store, {
    model: "m",
    messages: [{ role: "user", content: "hi" }],
    answer: { content: "hello" },
  });
  const other = await recordChat(store, {
    model: "m",
    messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "something else" }, {
      role: "user",
      content: "?",
    }],
    answer: { content: "ok" },
  });
  assert.equal(other.continued, false);
  assert.equal(store.conversations.list().length, 2);
  store.close();
});

Deno.test("transcriptFingerprint() tells apart transcripts that concatenate to the same text", () => {
  const a = transcriptFingerprint([{ role: "user", content: "ab" }, {
    role: "user",
    content: "c",
  }]);
  const b = transcriptFingerprint([{ role: "user", content: "a" }, {
    role: "user",
    content: "bc",
  }]);
  assert.notEqual(a, b);
});

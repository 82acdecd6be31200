/**
 * Bad input: SQL metacharacters, 1 MB strings, invalid UTF-8, empty subjects. Each is refused
 * with a message naming the field or stored safely; the file stays intact throughout.
 */
import assert from "node:assert/strict";
import {
  checkClaims,
  learnFacts,
  MemoryInputError,
  MemoryStore,
  recordFeedback,
} from "../../memory/mod.ts";
import { conversationRoutes } from "../../server/routes/conversations.ts";
import { feedbackRoutes } from "../../server/routes/feedback.ts";
import { knowledgeRoutes } from "../../server/routes/knowledge.ts";
import { tempDir } from "./helpers.ts";
import { dispatch } from "./serve_memory.ts";

const MB = 1024 * 1024;
const SQLISH = [
  "'; DROP TABLE facts; --",
  'Robert"); DELETE FROM messages; --',
  "x' OR '1'='1",
  "%_\\*?[]",
  "facts_fts MATCH '*'",
];

function withFileStore(fn: (store: MemoryStore) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const tmp = tempDir();
    const store = MemoryStore.open(tmp.path);
    try {
      await fn(store);
      assert.deepEqual(store.integrityCheck(), ["ok"]);
    } finally {
      store.close();
      tmp.dispose();
    }
  };
}

function call(store: MemoryStore, method: string, path: string, body?: BodyInit) {
  const routes = [
    ...knowledgeRoutes(store),
    ...conversationRoutes(store),
    ...feedbackRoutes(store),
  ];
  return dispatch(routes, new Request(`http://127.0.0.1${path}`, { method, body }));
}

Deno.test(
  "SQL metacharacters are stored and found as plain text",
  withFileStore((store) => {
    for (const text of SQLISH) {
      const fact = store.facts.add({ subject: text, predicate: text, object: text }, {
        source: text,
      });
      assert.equal(
        store.facts.query({ subject: text, predicate: text, object: text })[0].id,
        fact.id,
      );
      store.facts.search(text);
      const id = store.conversations.start({ model: text, title: text });
      store.conversations.addMessage(id, { role: "user", content: text, specialist: text });
      assert.equal(store.conversations.get(id)!.messages[0].content, text);
      store.conversations.search(text);
      store.pathways.adjust(text, text, 0.1);
      store.stats.record(text, text, "success");
    }
    assert.equal(store.facts.count(), SQLISH.length);
  }),
);

Deno.test(
  "SQL metacharacters through the HTTP API are stored and found as plain text",
  withFileStore(async (store) => {
    for (const text of SQLISH) {
      const created = await call(
        store,
        "POST",
        "/api/knowledge",
        JSON.stringify({ subject: text, predicate: "is a", object: text }),
      );
      assert.equal(created.status, 201);
      const found = await call(store, "GET", `/api/knowledge?subject=${encodeURIComponent(text)}`);
      assert.equal((await found.json()).facts.length, 1);
      assert.equal(
        (await call(store, "GET", `/api/knowledge?q=${encodeURIComponent(text)}`)).status,
        200,
      );
      assert.equal(
        (await call(store, "GET", `/api/conversations?q=${encodeURIComponent(text)}`)).status,
        200,
      );
    }
  }),
);

Deno.test(
  "a 1 MB subject is refused, a 1 MB message, preference and answer are stored intact",
  withFileStore(async (store) => {
    const huge = "é".repeat(MB);
    assert.throws(
      () => store.facts.add({ subject: huge, predicate: "is a", object: "x" }),
      (e) => e instanceof MemoryInputError && e.field === "subject" && !e.message.includes("éééé"),
    );
    const id = store.conversations.start({ model: "m" });
    store.conversations.addMessage(id, { role: "user", content: "Say it long." });
    const messageId = store.conversations.addMessage(id, { role: "assistant", content: huge });
    assert.equal(store.conversations.message(messageId)!.content, huge);
    const outcome = recordFeedback(store, { messageId, preferredText: huge + "!" });
    assert.equal(store.preferences.list()[0].chosen.length, MB + 1);
    assert.ok(outcome.preferenceId);
    assert.deepEqual(checkClaims(store, huge), []);
    assert.deepEqual(
      (await learnFacts(store, `${"word ".repeat(MB / 5)}. Mars is a planet.`)).facts.map((f) =>
        f.subject
      ),
      ["mars"],
    );
  }),
);

Deno.test(
  "a 1 MB body is refused with 413 on /api/knowledge; a 1 MB preferred text is accepted on /api/feedback",
  withFileStore(async (store) => {
    const huge = "x".repeat(MB);
    const tooBig = await call(
      store,
      "POST",
      "/api/knowledge",
      JSON.stringify({ subject: huge, predicate: "is a", object: "y" }),
    );
    assert.equal(tooBig.status, 413);
    assert.match((await tooBig.json()).error, /larger than/);
    const id = store.conversations.start({ model: "m" });
    store.conversations.addMessage(id, { role: "user", content: "q" });
    const messageId = store.conversations.addMessage(id, { role: "assistant", content: "a" });
    const ok = await call(
      store,
      "POST",
      "/api/feedback",
      JSON.stringify({ messageId, preferredText: huge }),
    );
    assert.equal(ok.status, 201);
    assert.equal(store.feedback.forMessage(messageId)[0].preferredText, huge);
    assert.equal(store.facts.count(), 0);
  }),
);

Deno.test(
  "invalid UTF-8 bodies answer 400; lone surrogates in fields answer 400 naming the field",
  withFileStore(async (store) => {
    const invalid = new Uint8Array([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]); // {"s":"\xc3("}
    const bytes = await call(store, "POST", "/api/knowledge", invalid);
    assert.equal(bytes.status, 400);
    assert.match((await bytes.json()).error, /UTF-8/);
    const surrogate = await call(
      store,
      "POST",
      "/api/knowledge",
      '{"subject":"\\ud800","predicate":"p","object":"o"}',
    );
    assert.equal(surrogate.status, 400);
    assert.match((await surrogate.json()).error, /^subject: .*surrogate/);
    assert.equal(store.facts.count(), 0);
  }),
);

Deno.test(
  "empty, blank and article-only subjects are refused naming the field",
  withFileStore(async (store) => {
    for (const subject of ["", "   ", "\n\t", ".", '""']) {
      assert.throws(
        () => store.facts.add({ subject, predicate: "is a", object: "thing" }),
        (e) => e instanceof MemoryInputError && e.field === "subject",
        JSON.stringify(subject),
      );
      const response = await call(
        store,
        "POST",
        "/api/knowledge",
        JSON.stringify({ subject, predicate: "is a", object: "thing" }),
      );
      assert.equal(response.status, 400);
      assert.match((await response.json()).error, /^subject/);
    }
    assert.equal(store.facts.count(), 0);
  }),
);

Deno.test(
  "deeply nested or non-object JSON bodies answer 400, never 500",
  withFileStore(async (store) => {
    for (const body of ["[".repeat(100_000), "1e999999", '"just a string"', "", "\u0000"]) {
      const response = await call(store, "POST", "/api/knowledge", body);
      assert.equal(response.status, 400, JSON.stringify(body.slice(0, 20)));
    }
  }),
);

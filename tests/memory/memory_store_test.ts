/** MemoryStore: opening, migrating, refusing files it must not touch, integrity. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  APPLICATION_ID,
  MemoryOpenError,
  MemoryStore,
  MIGRATIONS,
  SCHEMA_VERSION,
  SchemaVersionError,
} from "../../memory/mod.ts";
import { fileDigest, tempDir } from "./helpers.ts";

Deno.test("MemoryStore.open() creates the folder and a WAL database at the current schema", () => {
  const tmp = tempDir();
  const path = `${tmp.dir}/nested/home/synapse.db`;
  const store = MemoryStore.open(path);
  assert.equal(store.openedAtVersion, 0);
  store.close();
  const raw = new DatabaseSync(path);
  assert.equal(raw.prepare("PRAGMA journal_mode").get()!.journal_mode, "wal");
  assert.equal(raw.prepare("PRAGMA user_version").get()!.user_version, SCHEMA_VERSION);
  assert.equal(raw.prepare("PRAGMA application_id").get()!.application_id, APPLICATION_ID);
  raw.close();
  tmp.dispose();
});

Deno.test("MemoryStore.open() keeps what was stored across reopening", () => {
  const tmp = tempDir();
  let store = MemoryStore.open(tmp.path);
  const fact = store.facts.add({ subject: "Mars", predicate: "is a", object: "planet" });
  store.close();
  store = MemoryStore.open(tmp.path);
  assert.equal(store.openedAtVersion, SCHEMA_VERSION);
  assert.equal(store.facts.get(fact.id)?.object, "planet");
  store.close();
  tmp.dispose();
});

Deno.test("MemoryStore.open() migrates a version-1 file forward, keeping its data", () => {
  const tmp = tempDir();
  const raw = new DatabaseSync(tmp.path);
  raw.exec(MIGRATIONS[0]);
  raw.exec(`PRAGMA user_version = 1; PRAGMA application_id = ${APPLICATION_ID}`);
  raw.exec(
    `INSERT INTO conversations (model, created_at, updated_at) VALUES ('old', 1, 1);
     INSERT INTO facts (subject, predicate, object, confidence, source, created_at, updated_at)
       VALUES ('mars', 'is a', 'planet', 0.9, 'v1', 1, 1)`,
  );
  raw.close();
  const store = MemoryStore.open(tmp.path);
  assert.equal(store.openedAtVersion, 1);
  assert.equal(store.facts.query({ subject: "mars" })[0].source, "v1");
  store.conversations.setFingerprint(1, "abc");
  assert.equal(store.conversations.findByFingerprint("abc"), 1);
  store.close();
  const check = new DatabaseSync(tmp.path);
  assert.equal(check.prepare("PRAGMA user_version").get()!.user_version, SCHEMA_VERSION);
  check.close();
  tmp.dispose();
});

Deno.test("MemoryStore.open() refuses a newer schema and leaves the file unchanged", async () => {
  const tmp = tempDir();
  MemoryStore.open(tmp.path).close();
  const raw = new DatabaseSync(tmp.path);
  raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
  raw.close();
  const before = await fileDigest(tmp.path);
  assert.throws(
    () => MemoryStore.open(tmp.path),
    (e) =>
      e instanceof SchemaVersionError && e.found === SCHEMA_VERSION + 5 &&
      /newer|knows versions up to/.test(e.message),
  );
  assert.equal(await fileDigest(tmp.path), before);
  tmp.dispose();
});

Deno.test("MemoryStore.open() refuses a foreign SQLite database without altering it", async () => {
  const tmp = tempDir();
  const raw = new DatabaseSync(tmp.path);
  raw.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
  raw.close();
  const before = await fileDigest(tmp.path);
  assert.throws(() => MemoryStore.open(tmp.path), MemoryOpenError);
  assert.equal(await fileDigest(tmp.path), before);
  tmp.dispose();
});

Deno.test("MemoryStore.open() refuses a file that is not a database, with a recovery hint", async () => {
  const tmp = tempDir();
  Deno.writeTextFileSync(tmp.path, "not sqlite ".repeat(500));
  const before = await fileDigest(tmp.path);
  assert.throws(
    () => MemoryStore.open(tmp.path),
    (e) =>
      e instanceof MemoryOpenError && /not a database/.test(e.message) &&
      /backup|aside/.test(e.message),
  );
  assert.equal(await fileDigest(tmp.path), before);
  tmp.dispose();
});

Deno.test("MemoryStore.integrityCheck() reports ok for a used database", () => {
  const store = MemoryStore.open(":memory:");
  store.facts.add({ subject: "a", predicate: "b", object: "c" });
  const id = store.conversations.start({ model: "m" });
  store.conversations.addMessage(id, { role: "user", content: "hello" });
  assert.deepEqual(store.integrityCheck(), ["ok"]);
  store.close();
});

Deno.test("MemoryStore.transaction() rolls back every write when its function throws", () => {
  const store = MemoryStore.open(":memory:");
  assert.throws(() =>
    store.transaction(() => {
      store.facts.add({ subject: "a", predicate: "b", object: "c" });
      store.pathways.adjust("cue", "coder", 0.5);
      throw new Error("abort");
    }), /abort/);
  assert.equal(store.facts.count(), 0);
  assert.deepEqual(store.pathways.all(), []);
  store.close();
});

Deno.test("two stores on one file see each other's committed writes", () => {
  const tmp = tempDir();
  const a = MemoryStore.open(tmp.path);
  const b = MemoryStore.open(tmp.path);
  a.facts.add({ subject: "x", predicate: "is a", object: "y" });
  assert.equal(b.facts.query({ subject: "x" }).length, 1);
  a.close();
  b.close();
  tmp.dispose();
});

Deno.test("a second store waits for another's write transaction instead of failing", async () => {
  const tmp = tempDir();
  MemoryStore.open(tmp.path).close();
  const script = `
    import { MemoryStore } from "${new URL("../../memory/mod.ts", import.meta.url).href}";
    const store = MemoryStore.open(${JSON.stringify(tmp.path)});
    store.transaction(() => {
      store.facts.add({ subject: "holder", predicate: "is a", object: "lock" });
      console.log("locked");
      const until = Date.now() + 700;
      while (Date.now() < until) { /* hold the write lock */ }
    });
    store.close();`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  assert.match(new TextDecoder().decode(value), /locked/);
  const store = MemoryStore.open(tmp.path, { busyTimeoutMs: 10_000 });
  store.facts.add({ subject: "waiter", predicate: "is a", object: "writer" }); // blocks, then succeeds
  assert.equal(store.facts.count(), 2);
  store.close();
  reader.releaseLock();
  await child.stdout.cancel();
  await child.status;
  tmp.dispose();
});

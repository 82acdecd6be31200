/**
 * Concurrency: two server processes on one database file, eight clients writing and reading
 * through both for 30 s; no "database is locked" (or any other error) may reach a client.
 */
import assert from "node:assert/strict";
import { MemoryStore } from "../../memory/mod.ts";
import { tempDir } from "./helpers.ts";
import { postJson, startServer } from "./server_process.ts";

const DURATION_MS = 30_000;
const WRITERS = 4;
const READERS = 4;

interface Tally {
  requests: number;
  factsAcked: Set<number>;
  failures: string[];
}

function seed(path: string): number {
  const store = MemoryStore.open(path);
  const conversation = store.conversations.start({ model: "m" });
  store.conversations.addMessage(conversation, { role: "user", content: "Capital of France?" });
  const answer = store.conversations.addMessage(conversation, {
    role: "assistant",
    content: "Paris.",
    specialist: "geo",
  });
  store.close();
  return answer;
}

async function expectOk(tally: Tally, label: string, response: Response): Promise<unknown> {
  tally.requests++;
  const text = await response.text();
  if (response.status >= 300 || /locked|busy/i.test(text)) {
    tally.failures.push(`${label}: ${response.status} ${text.slice(0, 200)}`);
  }
  return text ? JSON.parse(text) : undefined;
}

async function writer(urls: string[], n: number, messageId: number, until: number, tally: Tally) {
  for (let i = 0; Date.now() < until; i++) {
    const url = urls[i % urls.length];
    if (i % 3 === 2) {
      const r = await postJson(`${url}/api/feedback`, {
        messageId,
        rating: i % 2 ? 1 : -1,
        preferredText: `Paris ${n}.${i}`,
      });
      tally.requests++;
      if (r.status !== 201) tally.failures.push(`feedback: ${r.status} ${JSON.stringify(r.body)}`);
      continue;
    }
    const body = i % 3 === 0
      ? { subject: `writer ${n} item ${i}`, predicate: "is a", object: `thing ${i % 7}` }
      : { text: `City ${n}x${i} is the capital of Land ${n}x${i}. Land ${n}x${i} has ${i} lakes.` };
    const response = await fetch(`${url}/api/knowledge`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    const parsed = await expectOk(tally, "add", response) as {
      fact?: { id: number };
      facts?: { id: number }[];
    };
    if (parsed?.fact) tally.factsAcked.add(parsed.fact.id);
    for (const f of parsed?.facts ?? []) tally.factsAcked.add(f.id);
  }
}

async function reader(urls: string[], n: number, until: number, tally: Tally) {
  const paths = [
    "/api/knowledge?q=capital&limit=20",
    "/api/knowledge?predicate=is%20a&limit=50",
    "/api/conversations",
    "/api/conversations/1",
    `/api/knowledge?subject=land%20${n}x3`,
  ];
  for (let i = 0; Date.now() < until; i++) {
    await expectOk(
      tally,
      "read",
      await fetch(`${urls[(i + n) % urls.length]}${paths[i % paths.length]}`),
    );
  }
}

Deno.test("8 concurrent writers and readers through two processes for 30 s meet no lock errors", async () => {
  const tmp = tempDir();
  const messageId = seed(tmp.path);
  const servers = [await startServer(tmp.path), await startServer(tmp.path)];
  const urls = servers.map((s) => s.url);
  const tally: Tally = { requests: 0, factsAcked: new Set(), failures: [] };
  const until = Date.now() + DURATION_MS;
  try {
    await Promise.all([
      ...Array.from({ length: WRITERS }, (_, n) => writer(urls, n, messageId, until, tally)),
      ...Array.from({ length: READERS }, (_, n) => reader(urls, n, until, tally)),
    ]);
  } finally {
    await Promise.all(servers.map((s) => s.stop("SIGTERM")));
  }
  assert.deepEqual(
    tally.failures.slice(0, 5),
    [],
    `${tally.failures.length} failed of ${tally.requests}`,
  );
  assert.ok(tally.requests > 100, `only ${tally.requests} requests completed`);
  const store = MemoryStore.open(tmp.path);
  try {
    assert.deepEqual(store.integrityCheck(), ["ok"]);
    const missing = [...tally.factsAcked].filter((id) => !store.facts.get(id));
    assert.deepEqual(missing, []);
    assert.ok(store.preferences.count() > 0);
  } finally {
    store.close();
    tmp.dispose();
  }
});

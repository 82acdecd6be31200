/**
 * Durability: a server writing facts through the API is SIGKILLed at a random moment, five
 * times; after each kill the file passes integrity checks and holds every acknowledged write.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { MemoryStore } from "../../memory/mod.ts";
import { tempDir } from "./helpers.ts";
import { postJson, startServer } from "./server_process.ts";

const TOTAL_FACTS = 2000;
const KILLS = 5;
const WRITERS = 4;

/** Writes facts `next()` yields until `stopAfter` acks arrive (then SIGKILLs) or they run out. */
async function writeRound(
  path: string,
  next: () => number | undefined,
  acked: Map<number, string>,
  killAfterAcks: number | undefined,
): Promise<{ killed: boolean; acks: number }> {
  const server = await startServer(path);
  let acks = 0;
  let killed = false;
  const writer = async () => {
    for (let i = next(); i !== undefined && !killed; i = next()) {
      const subject = `durable ${i}`;
      let response;
      try {
        response = await postJson(`${server.url}/api/knowledge`, {
          subject,
          predicate: "is a",
          object: "record",
        });
      } catch {
        return; // connection died with the server: this write was never acknowledged
      }
      assert.equal(response.status, 201, JSON.stringify(response.body));
      acked.set((response.body.fact as { id: number }).id, subject);
      acks++;
      if (killAfterAcks !== undefined && acks >= killAfterAcks && !killed) {
        killed = true;
        server.child.kill("SIGKILL");
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const status = await (killed ? server.child.status : server.stop("SIGTERM"));
  if (killed) assert.equal(status.signal, "SIGKILL");
  return { killed, acks };
}

function assertIntactWith(path: string, acked: Map<number, string>): void {
  const raw = new DatabaseSync(path, { readOnly: true });
  assert.equal(raw.prepare("PRAGMA integrity_check").get()!.integrity_check, "ok");
  raw.close();
  const store = MemoryStore.open(path);
  try {
    assert.deepEqual(store.integrityCheck(), ["ok"]);
    const missing = [...acked].filter(([id, subject]) => store.facts.get(id)?.subject !== subject);
    assert.deepEqual(missing, [], `${missing.length} acknowledged facts lost`);
  } finally {
    store.close();
  }
}

Deno.test("every acknowledged fact survives five SIGKILLs of the writing server, integrity ok", async () => {
  const tmp = tempDir();
  const acked = new Map<number, string>();
  let issued = 0;
  const next = () => (issued < TOTAL_FACTS ? issued++ : undefined);
  try {
    for (let kill = 0; kill < KILLS; kill++) {
      const killAfter = 50 + Math.floor(Math.random() * 250);
      const round = await writeRound(tmp.path, next, acked, killAfter);
      assert.ok(round.killed, `round ${kill} ran out of facts before its kill`);
      assertIntactWith(tmp.path, acked);
    }
    await writeRound(tmp.path, next, acked, undefined);
    assertIntactWith(tmp.path, acked);
    assert.equal(issued, TOTAL_FACTS);
    // Only the few writes in flight at each kill may be missing acknowledgements.
    assert.ok(acked.size >= TOTAL_FACTS - KILLS * WRITERS, `${acked.size} acknowledged`);
  } finally {
    tmp.dispose();
  }
});

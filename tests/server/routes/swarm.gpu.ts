/**
 * The swarm's HTTP routes on a real server: the last routing decision, confidence per
 * specialist x domain, and listing and accepting specialist proposals.
 */
import assert from "node:assert/strict";
import { MemoryStore } from "../../../memory/mod.ts";
import { SwarmBackend, swarmRoutes } from "../../../server/mod.ts";
import { domainOf, extractCues, Swarm } from "../../../swarm/mod.ts";
import { engineTest, fixtureModel, fixtureSpecialists } from "../../swarm/fixture_tasks.ts";
import { postJson, startTestServer } from "../harness.ts";

const store = MemoryStore.open(":memory:");
const swarm = new Swarm({
  model: await fixtureModel(),
  specialists: await fixtureSpecialists(),
  store,
  spawner: { minEvents: 3 },
});
const srv = await startTestServer({
  backends: [new SwarmBackend(swarm)],
  routes: swarmRoutes(swarm),
});

async function getJson(path: string): Promise<unknown> {
  const response = await fetch(`${srv.url}${path}`);
  assert.equal(response.status, 200);
  return await response.json();
}

engineTest(
  "GET /api/routing/last shows the last decision with every specialist's scores",
  async () => {
    assert.equal(await getJson("/api/routing/last"), null);
    const { body } = await postJson(`${srv.url}/v1/chat/completions`, {
      model: "synapse",
      messages: [{ role: "user", content: "What is 3 + 4?" }],
      max_tokens: 8,
    });
    const last = await getJson("/api/routing/last") as {
      requestId: string;
      mode: string;
      parts: { text: string; routing: { scores: unknown[]; domain: string } }[];
    };
    assert.equal(last.requestId, (body.synapse as { requestId: string }).requestId);
    assert.equal(last.mode, "single");
    assert.equal(last.parts[0].text, "What is 3 + 4?");
    assert.equal(last.parts[0].routing.domain, "arithmetic");
    assert.equal(last.parts[0].routing.scores.length, 3);
  },
);

engineTest("GET /api/confidence reports the Beta posterior per specialist and domain", async () => {
  // The arithmetic answer above was self-checked, so its specialist has one verdict.
  const report = await getJson("/api/confidence") as {
    threshold: number | null;
    weights: number[];
    entries: { specialist: string; domain: string; posterior: { alpha: number; beta: number } }[];
  };
  assert.equal(report.threshold, null);
  assert.equal(report.weights.length, 4);
  const entry = report.entries.find((e) => e.domain === "arithmetic")!;
  assert.equal(entry.posterior.alpha + entry.posterior.beta, 3);
});

engineTest("proposals are listed, accepted with 201 and unknown ids are 404", async () => {
  assert.deepEqual(await getJson("/api/specialists/proposals"), { proposals: [] });
  for (const text of ["Uppercase: a b", "Uppercase: c d", "Uppercase: e f"]) {
    swarm.spawner.observe({
      kind: "fallback",
      prompt: text,
      domain: domainOf(text),
      cues: extractCues(text),
      specialist: "math",
      localAnswer: "12",
      betterAnswer: text.slice(11).toUpperCase(),
    });
  }
  const { proposals } = await getJson("/api/specialists/proposals") as {
    proposals: { id: string; name: string; trainingPairCount: number }[];
  };
  assert.equal(proposals.length, 1);
  assert.equal(proposals[0].name, "uppercase");
  assert.equal(proposals[0].trainingPairCount, 3);
  const accepted = await postJson(
    `${srv.url}/api/specialists/proposals/${proposals[0].id}/accept`,
    {},
  );
  assert.equal(accepted.status, 201);
  assert.equal((accepted.body.specialist as { name: string }).name, "uppercase");
  assert.deepEqual((accepted.body.training as { pairs: number }).pairs, 3);
  assert.ok(swarm.specialists.has("uppercase"));
  const again = await postJson(
    `${srv.url}/api/specialists/proposals/${proposals[0].id}/accept`,
    {},
  );
  assert.equal(again.status, 404);
  assert.match(String(again.body.error), /no pending specialist proposal/);
});

engineTest("closes the server", async () => {
  await srv.close();
  store.close();
});

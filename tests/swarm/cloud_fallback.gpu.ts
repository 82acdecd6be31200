/**
 * Cloud fallback against a second synapse server on another loopback port: the swarm answers
 * with the cloud's reply when unsure, keeps (prompt, cloud answer, local answer) preference
 * pairs, and the spawner proposes a specialist for a task family only the cloud can do.
 */
import assert from "node:assert/strict";
import { MemoryStore } from "../../memory/mod.ts";
import {
  type ChatBackend,
  type ChatDelta,
  type ChatOutcome,
  RunChannel,
  SwarmBackend,
} from "../../server/mod.ts";
import { needsFallback, sameAnswer, Swarm } from "../../swarm/mod.ts";
import { startTestServer, type TestServer } from "../server/harness.ts";
import { engineTest, fixtureModel, fixtureSpecialists, heldOut } from "./fixture_tasks.ts";

Deno.test("answers that differ only in case, spacing or a final full stop are the same", () => {
  assert.ok(sameAnswer("3 2 1", " 3  2 1. "));
  assert.ok(sameAnswer("Lima", "lima"));
  assert.equal(sameAnswer("3 2 1", "1 2 3"), false);
});

Deno.test("the swarm falls back on a failed self-check, low confidence or a cold start", () => {
  const part = (value: number, verdicts: number, selfCheck: "success" | "failure" | null) => ({
    text: "q",
    specialist: "s",
    answer: "a",
    source: "local" as const,
    selfCheck,
    confidence: { value, posterior: { alpha: 1 + verdicts, beta: 1 } },
  });
  const config = { endpoint: { url: "http://127.0.0.1:1", model: "m" }, threshold: 0.5 };
  assert.equal(needsFallback(part(0.9, 5, null), config), false);
  assert.equal(needsFallback(part(0.4, 5, null), config), true);
  assert.equal(needsFallback(part(0.9, 5, "failure"), config), true);
  assert.equal(needsFallback(part(0.9, 1, null), { ...config, coldStart: 2 }), true);
  assert.equal(needsFallback(part(0.9, 2, null), { ...config, coldStart: 2 }), false);
});

/**
 * The cloud: a second synapse server whose swarm runs the same fixture specialists but knows
 * their cue keywords, so it routes every math and lists question right from the start.
 */
async function startCloud(extra: ChatBackend[] = []): Promise<TestServer> {
  const cues: Record<string, string[]> = {
    math: ["+"],
    lists: ["reverse"],
    geography: ["capital"],
  };
  const specialists = (await fixtureSpecialists()).map((s) => ({ ...s, cues: cues[s.name] }));
  const swarm = new Swarm({ model: await fixtureModel(), specialists });
  return await startTestServer({ backends: [new SwarmBackend(swarm), ...extra] });
}

engineTest(
  "an unsure answer is replaced by the cloud's and kept as a preference pair",
  async () => {
    const cloud = await startCloud();
    const store = MemoryStore.open(":memory:");
    try {
      const swarm = new Swarm({
        model: await fixtureModel(),
        specialists: await fixtureSpecialists(),
        store,
        cloud: { endpoint: { url: cloud.url, model: "synapse" }, threshold: 0.5, coldStart: 1 },
      });
      const questions = heldOut("lists", 120, 6);
      const outcomes = [];
      for (const q of questions) {
        outcomes.push(
          await swarm.chat({ messages: [{ role: "user", content: q.question }], maxTokens: 12 })
            .result,
        );
      }
      // Every answer the client saw is right: the cloud's where the swarm asked it.
      assert.deepEqual(outcomes.map((o) => o.content), questions.map((q) => q.answer));
      const asked = outcomes.filter((o) => o.parts[0].source === "cloud");
      assert.ok(asked.length >= 1, "the first, uninformed answer goes to the cloud");
      const disagreed = asked.filter((o) => o.parts[0].localAnswer !== o.content);
      const pairs = store.preferences.list();
      console.log(
        `${questions.length} lists questions: ${asked.length} sent to the cloud, ` +
          `${pairs.length} preference pairs; answered by ` +
          outcomes.map((o) => `${o.parts[0].specialist}/${o.parts[0].source}`).join(", "),
      );
      assert.equal(pairs.length, disagreed.length);
      assert.ok(pairs.length >= 1);
      for (const [i, pair] of pairs.entries()) {
        const part = disagreed[i].parts[0];
        assert.equal(pair.prompt, part.text);
        assert.equal(pair.chosen, questions.find((q) => q.question === pair.prompt)!.answer);
        assert.equal(pair.rejected, part.localAnswer);
        assert.notEqual(pair.rejected, pair.chosen);
        assert.equal(pair.source, "cloud");
        assert.equal(pair.specialist, part.specialist);
      }
      // The comparisons taught the router: the last question was answered by lists itself.
      assert.equal(outcomes.at(-1)!.parts[0].specialist, "lists");
    } finally {
      store.close();
      await cloud.close();
    }
  },
);

/** A stand-in for a larger cloud model on the second server: it can upper-case text. */
function upperCaseModel(): ChatBackend {
  return {
    name: "reference",
    matches: (model) => model === "reference-large",
    models: () => [{ name: "reference-large" }],
    chat(request) {
      const channel = new RunChannel<ChatDelta, ChatOutcome>();
      const last = request.messages.at(-1)!.content;
      const content = /^Uppercase:\s*(.*)$/s.exec(last)?.[1].toUpperCase() ?? "";
      channel.push({ content }).then(() =>
        channel.end({
          content,
          finishReason: "stop",
          usage: { promptTokens: 0, completionTokens: 0 },
        })
      );
      return channel;
    },
  };
}

const WORDS = [
  "apple",
  "river",
  "stone",
  "cloud",
  "maple",
  "tiger",
  "lemon",
  "piano",
  "ocean",
  "amber",
];

engineTest(
  "30 uppercase requests answered by the cloud lead to an uppercase proposal",
  async () => {
    const cloud = await startCloud([upperCaseModel()]);
    const store = MemoryStore.open(":memory:");
    try {
      const swarm = new Swarm({
        model: await fixtureModel(),
        specialists: await fixtureSpecialists(),
        store,
        cloud: { endpoint: { url: cloud.url, model: "reference-large" }, coldStart: 2 },
      });
      const prompts = Array.from(
        { length: 30 },
        (_, i) => `Uppercase: ${WORDS[i % 10]} ${WORDS[(i * 3 + 1) % 10]}`,
      );
      const outcomes = [];
      for (let i = 0; i < prompts.length; i += 5) {
        outcomes.push(
          ...await Promise.all(
            prompts.slice(i, i + 5).map((content) =>
              swarm.chat({ messages: [{ role: "user", content }], maxTokens: 12 }).result
            ),
          ),
        );
      }
      assert.deepEqual(
        outcomes.map((o) => o.parts[0].source),
        prompts.map(() => "cloud"),
      );
      assert.deepEqual(
        outcomes.map((o) => o.content),
        prompts.map((p) => p.slice(11).toUpperCase()),
      );
      const proposals = await swarm.proposals();
      assert.equal(proposals.length, 1);
      const [p] = proposals;
      console.log(`proposal: ${JSON.stringify({ ...p, trainingPairs: p.trainingPairs.length })}`);
      assert.equal(p.name, "uppercase");
      assert.ok(p.cues.includes("uppercase"));
      assert.equal(p.evidence, 30);
      assert.equal(p.trainingPairs.length, 30);
      for (const pair of p.trainingPairs) {
        assert.equal(
          pair.chosen,
          pair.prompt.slice(11).toUpperCase(),
        );
      }
      assert.match(p.systemPrompt, /Uppercase: /);

      const created = await swarm.acceptProposal(p.id);
      assert.equal(created.name, "uppercase");
      assert.ok(swarm.specialists.has("uppercase"));
      assert.equal(swarm.trainingQueue()[0].pairs.length, 30);
      assert.deepEqual(await swarm.proposals(), []);
      const routed = await swarm.route("Uppercase: quiet night");
      assert.equal(routed.specialist, "uppercase");
    } finally {
      store.close();
      await cloud.close();
    }
  },
);

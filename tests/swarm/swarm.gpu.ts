/**
 * The swarm on the real engine with the fixture's three specialists and no cue keywords:
 * routed accuracy against the base and an oracle, swarm mode, concurrency, streaming.
 */
import assert from "node:assert/strict";
import { MemoryStore } from "../../memory/mod.ts";
import { Swarm, type SwarmOutcome } from "../../swarm/mod.ts";
import {
  engineTest,
  fixtureModel,
  fixtureSpecialists,
  heldOut,
  interleave,
  type TaskQuestion,
  trainingSamples,
} from "./fixture_tasks.ts";

const MAX_TOKENS = 12;

function ask(swarm: Swarm, question: string, specialist?: string): Promise<SwarmOutcome> {
  return swarm.chat({
    messages: [{ role: "user", content: question }],
    specialist,
    maxTokens: MAX_TOKENS,
  }).result;
}

let warmed: Promise<Swarm> | null = null;

/**
 * A swarm that has served the tasks' ten training samples (math and lists, interleaved) with
 * feedback on each: its only knowledge of who does what.
 */
function warmedSwarm(): Promise<Swarm> {
  warmed ??= (async () => {
    const swarm = new Swarm({
      model: await fixtureModel(),
      specialists: await fixtureSpecialists(),
      store: MemoryStore.open(":memory:"),
    });
    for (const q of interleave(trainingSamples("math"), trainingSamples("lists"))) {
      const outcome = await ask(swarm, q.question);
      await swarm.feedback(outcome.requestId, outcome.content === q.answer ? "success" : "failure");
    }
    return swarm;
  })();
  return warmed;
}

function accuracy(questions: readonly TaskQuestion[], answers: readonly string[]): number {
  return questions.filter((q, i) => answers[i] === q.answer).length / questions.length;
}

engineTest(
  "routed answers on held-out math and lists match the oracle and beat the base",
  async () => {
    const model = await fixtureModel();
    const swarm = await warmedSwarm();
    const questions = interleave(heldOut("math", 0, 20), heldOut("lists", 0, 20));
    const baseAnswers = Promise.all(questions.map(async (q) => {
      const prompt = model.renderChat([{ role: "user", content: q.question }], {
        addGenerationPrompt: true,
        enableThinking: false,
      });
      const result = await model.generate({
        promptIds: model.encode(prompt),
        maxTokens: MAX_TOKENS,
      }).result;
      return model.decode(result.ids, { skipSpecialTokens: true }).trim();
    }));
    const routedAnswers = Promise.all(questions.map((q) => ask(swarm, q.question)));
    const [base, routed] = await Promise.all([baseAnswers, routedAnswers]);
    // The oracle answers with the right specialist; where the router picked it, the routed answer
    // already is that (greedy, same prompt and adapter), so only misrouted questions are re-asked.
    const oracle = await Promise.all(
      questions.map((q, i) =>
        routed[i].parts[0].specialist === q.task ? routed[i] : ask(swarm, q.question, q.task)
      ),
    );
    const figures = {
      base: accuracy(questions, base),
      oracle: accuracy(questions, oracle.map((o) => o.content)),
      routed: accuracy(questions, routed.map((o) => o.content)),
      routedToRightSpecialist: questions.filter((q, i) => routed[i].parts[0].specialist === q.task)
        .length / questions.length,
    };
    console.log(`held-out accuracy (20 math + 20 lists): ${JSON.stringify(figures)}`);
    assert.ok(figures.base <= 0.1, `base ${figures.base}`);
    assert.ok(figures.oracle >= 0.95, `oracle ${figures.oracle}`);
    assert.ok(figures.routed >= figures.oracle - 0.05, `routed ${figures.routed}`);
    assert.ok(routed.every((o) => o.mode === "single" && !o.parts[0].routing.forced));
  },
);

engineTest(
  "swarm mode answers both parts of composite math + lists questions in order",
  async () => {
    const swarm = await warmedSwarm();
    const math = heldOut("math", 40, 4);
    const lists = heldOut("lists", 40, 4);
    const outcomes = await Promise.all(math.map((m, i) => {
      const listPart = lists[i].question.replace(/^Reverse/, "reverse");
      return ask(swarm, `${m.question} Also ${listPart}`);
    }));
    outcomes.forEach((o, i) => {
      assert.equal(o.mode, "swarm");
      assert.deepEqual(o.parts.map((p) => p.specialist), ["math", "lists"]);
      assert.deepEqual(o.parts.map((p) => p.answer), [math[i].answer, lists[i].answer]);
      assert.equal(o.content, `1. ${math[i].answer}\n2. ${lists[i].answer}`);
    });
  },
);

engineTest(
  "16 simultaneous requests routed to different specialists all answer correctly",
  async () => {
    const swarm = await warmedSwarm();
    const questions = interleave(heldOut("math", 60, 8), heldOut("lists", 60, 8));
    const outcomes = await Promise.all(questions.map((q) => ask(swarm, q.question)));
    assert.deepEqual(outcomes.map((o) => o.parts[0].specialist), questions.map((q) => q.task));
    assert.deepEqual(outcomes.map((o) => o.content), questions.map((q) => q.answer));
  },
);

engineTest("a routed answer streams as text deltas that add up to the answer", async () => {
  const swarm = await warmedSwarm();
  const [q] = heldOut("lists", 80, 1);
  const run = swarm.chat({
    messages: [{ role: "user", content: q.question }],
    maxTokens: MAX_TOKENS,
  });
  let streamed = "";
  let deltas = 0;
  for await (const delta of run) {
    streamed += delta.content;
    deltas++;
  }
  const outcome = await run.result;
  assert.equal(streamed, outcome.content);
  assert.equal(outcome.content, q.answer);
  assert.ok(deltas > 1, `one delta per token or so, got ${deltas}`);
});

engineTest("the last routing records the scores of every specialist", async () => {
  const swarm = await warmedSwarm();
  const [q] = heldOut("math", 90, 1);
  const outcome = await ask(swarm, q.question);
  const last = swarm.lastRouting()!;
  assert.equal(last.requestId, outcome.requestId);
  assert.equal(last.parts[0].specialist, "math");
  assert.deepEqual(last.parts[0].routing.scores.map((s) => s.specialist).sort(), [
    "geography",
    "lists",
    "math",
  ]);
  const top = last.parts[0].routing.scores[0];
  assert.equal(top.specialist, "math");
  assert.ok(top.total > last.parts[0].routing.scores[1].total);
});

engineTest(
  "a stop string cuts a local answer and forcing an unknown specialist fails",
  async () => {
    const swarm = await warmedSwarm();
    const outcome = await swarm.chat({
      messages: [{ role: "user", content: "Reverse the list: 1 2 3 4" }],
      specialist: "lists",
      stop: [" 2"],
      maxTokens: MAX_TOKENS,
    }).result;
    assert.equal(outcome.content, "4 3");
    assert.equal(outcome.finishReason, "stop");
    await assert.rejects(
      () => ask(swarm, "What is 1 + 1?", "poetry"),
      /unknown specialist "poetry"/,
    );
  },
);

engineTest("aborting a request ends it as cancelled without learning from it", async () => {
  const swarm = await warmedSwarm();
  const before = (await swarm.confidenceReport()).calibration.samples;
  const controller = new AbortController();
  const run = swarm.chat({
    messages: [{ role: "user", content: "What is 11 + 22?" }],
    maxTokens: 64,
    signal: controller.signal,
  });
  controller.abort();
  const outcome = await run.result;
  assert.equal(outcome.finishReason, "cancelled");
  assert.equal(outcome.parts[0].selfCheck, null);
  assert.equal((await swarm.confidenceReport()).calibration.samples, before);
});

/**
 * The router learning on the real engine: from uninformed pathways, feedback on a stream of 60
 * mixed questions, routing accuracy measured on 60 disjoint ones; confidence calibration.
 */
import assert from "node:assert/strict";
import { MemoryStore } from "../../memory/mod.ts";
import { expectedCalibrationError, Swarm } from "../../swarm/mod.ts";
import {
  engineTest,
  fixtureModel,
  fixtureSpecialists,
  heldOut,
  interleave,
  type TaskQuestion,
} from "./fixture_tasks.ts";

/** Deterministic Fisher-Yates shuffle (so the stream order is mixed but reproducible). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

engineTest(
  "routing accuracy on 60 disjoint questions reaches 95% after feedback on 60",
  async () => {
    const store = MemoryStore.open(":memory:");
    const swarm = new Swarm({
      model: await fixtureModel(),
      specialists: await fixtureSpecialists(),
      store,
      selfCheck: false,
    });
    const stream = shuffled(interleave(heldOut("math", 100, 30), heldOut("lists", 100, 30)), 42);
    const evaluation = interleave(heldOut("math", 140, 30), heldOut("lists", 140, 30));
    const routingAccuracy = async () => {
      const decisions = await Promise.all(evaluation.map((q) => swarm.route(q.question)));
      return decisions.filter((d, i) => d.specialist === evaluation[i].task).length /
        evaluation.length;
    };
    const curve: { feedback: number; routing: number; answeredRight: number }[] = [];
    const verdicts: { confidence: number; correct: boolean }[] = [];
    const batch = 5;
    curve.push({ feedback: 0, routing: await routingAccuracy(), answeredRight: 0 });
    for (let given = 0; given < stream.length; given += batch) {
      const questions: TaskQuestion[] = stream.slice(given, given + batch);
      const outcomes = await Promise.all(
        questions.map((q) =>
          swarm.chat({ messages: [{ role: "user", content: q.question }], maxTokens: 12 }).result
        ),
      );
      for (const [i, outcome] of outcomes.entries()) {
        const correct = outcome.content === questions[i].answer;
        verdicts.push({ confidence: outcome.parts[0].confidence.value, correct });
        assert.ok(await swarm.feedback(outcome.requestId, correct ? "success" : "failure"));
      }
      if ((given + batch) % 10 === 0 || given + batch === 5) {
        curve.push({
          feedback: given + batch,
          routing: await routingAccuracy(),
          answeredRight: verdicts.filter((v) => v.correct).length,
        });
      }
    }
    console.log("feedback | routing accuracy on 60 disjoint | stream answers right so far");
    for (const p of curve) {
      console.log(
        `${p.feedback} | ${p.routing.toFixed(3)} | ${p.answeredRight}`,
      );
    }
    const ece = expectedCalibrationError(verdicts);
    const report = await swarm.confidenceReport();
    console.log(
      `prequential ECE over the stream: ${ece.toFixed(3)}; in-sample ECE after refit: ${
        report.calibration.ece.toFixed(3)
      } (${report.calibration.samples} verdicts)`,
    );
    assert.ok(curve[0].routing <= 0.6, `uninformed routing ${curve[0].routing}`);
    assert.ok(curve.at(-1)!.routing >= 0.95, `routing after 60: ${curve.at(-1)!.routing}`);
    const learned = store.pathways.all().find((p) =>
      p.cue === "reverse" && p.specialist === "lists"
    );
    assert.ok(learned && learned.weight > 0.3, `reverse -> lists weight ${learned?.weight}`);
    assert.ok(report.calibration.ece < 0.15, `in-sample ECE ${report.calibration.ece}`);
    const math = report.entries.find((e) => e.specialist === "math" && e.domain === "arithmetic")!;
    assert.ok(math.posterior.mean > 0.8, `math x arithmetic posterior ${math.posterior.mean}`);
    store.close();
  },
);

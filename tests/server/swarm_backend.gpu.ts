/**
 * `model: "synapse"` and `synapse:NAME` through a real server: the swarm routes (or is forced),
 * the decision comes back in the `synapse` extension, streaming and Ollama work, and what the
 * swarm cannot honour is refused with the parameter named.
 */
import assert from "node:assert/strict";
import OpenAI from "npm:openai@7.57.0";
import { SwarmBackend } from "../../server/mod.ts";
import { Swarm } from "../../swarm/mod.ts";
import { engineTest, fixtureModel, fixtureSpecialists } from "../swarm/fixture_tasks.ts";
import { postJson, startTestServer } from "./harness.ts";

const cues: Record<string, string[]> = { math: ["+"], lists: ["reverse"], geography: ["capital"] };
const swarm = new Swarm({
  model: await fixtureModel(),
  specialists: (await fixtureSpecialists()).map((s) => ({ ...s, cues: cues[s.name] })),
});
const backend = new SwarmBackend(swarm);
const srv = await startTestServer({ backends: [backend], observers: [backend.observer()] });
const client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: "unused", maxRetries: 0 });

engineTest("model synapse routes and reports the decision in the synapse extension", async () => {
  const { status, body } = await postJson(`${srv.url}/v1/chat/completions`, {
    model: "synapse",
    messages: [{ role: "user", content: "What is 12 + 30?" }],
    max_tokens: 12,
  });
  assert.equal(status, 200);
  const choices = body.choices as { message: { content: string } }[];
  assert.equal(choices[0].message.content, "42");
  const ext = body.synapse as {
    requestId: string;
    mode: string;
    parts: { specialist: string; routing: { forced: boolean; scores: { specialist: string }[] } }[];
  };
  assert.equal(ext.mode, "single");
  assert.equal(ext.parts[0].specialist, "math");
  assert.equal(ext.parts[0].routing.forced, false);
  assert.equal(ext.parts[0].routing.scores.length, 3);
  assert.equal(swarm.lastRouting()!.requestId, ext.requestId);
  assert.ok(await backend.feedback(body.id as string, "success"));
  assert.equal(await backend.feedback("chatcmpl-unknown", "success"), false);
});

engineTest("model synapse:NAME forces the specialist", async () => {
  const completion = await client.chat.completions.create({
    model: "synapse:lists",
    messages: [{ role: "user", content: "Reverse the list: 1 2 3" }],
    max_tokens: 12,
  });
  assert.equal(completion.choices[0].message.content, "3 2 1");
  const ext = (completion as unknown as { synapse: { parts: { routing: { forced: boolean } }[] } })
    .synapse;
  assert.equal(ext.parts[0].routing.forced, true);
});

engineTest("a composite question streams over SSE as the synthesized answer", async () => {
  const stream = await client.chat.completions.create({
    model: "synapse",
    messages: [{ role: "user", content: "What is 20 + 22? Also reverse the list: 7 8 9" }],
    max_tokens: 12,
    stream: true,
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  assert.equal(text, "1. 42\n2. 9 8 7");
});

engineTest("Ollama /api/chat reaches the swarm too", async () => {
  const { status, body } = await postJson(`${srv.url}/api/chat`, {
    model: "synapse",
    messages: [{ role: "user", content: "Reverse the list: 5 6" }],
    stream: false,
    options: { num_predict: 12 },
  });
  assert.equal(status, 200);
  assert.equal((body.message as { content: string }).content, "6 5");
});

engineTest("the swarm's model names are listed", async () => {
  const names = (await client.models.list()).data.map((m) => m.id);
  for (const n of ["synapse", "synapse:math", "synapse:lists", "synapse:geography"]) {
    assert.ok(names.includes(n), `${n} in ${names}`);
  }
});

engineTest("an unknown specialist is 404 and unsupported parameters are 400", async () => {
  const unknown = await postJson(`${srv.url}/v1/chat/completions`, {
    model: "synapse:poetry",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(unknown.status, 404);
  assert.equal((unknown.body.error as { code: string }).code, "model_not_found");
  const tools = await postJson(`${srv.url}/v1/chat/completions`, {
    model: "synapse",
    messages: [{ role: "user", content: "hi" }],
    tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
  });
  assert.equal(tools.status, 400);
  assert.equal((tools.body.error as { param: string }).param, "tools");
});

engineTest("closes the server", async () => {
  await srv.close();
});

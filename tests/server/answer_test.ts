import assert from "node:assert/strict";
import { AnswerAssembler } from "../../server/answer.ts";
import type { ChatDelta } from "../../server/backend.ts";

function feed(assembler: AnswerAssembler, pieces: string[]): ChatDelta[] {
  const deltas = pieces.map((p) => assembler.push(p)).filter((d): d is ChatDelta => d !== null);
  const last = assembler.finish();
  return last ? [...deltas, last] : deltas;
}

Deno.test("a tool call split across pieces becomes one call delta keyed by index", () => {
  const a = new AnswerAssembler({ tools: true, thinking: false, idPrefix: "call_x" });
  const deltas = feed(a, [
    "Let me check.\n<tool",
    '_call>\n{"name": "get_weather", ',
    '"arguments": {"city": "Lima"}}\n</tool_',
    "call>",
  ]);
  assert.equal(a.content, "Let me check.\n");
  assert.deepEqual(a.toolCalls, [{
    id: "call_x_0",
    type: "function",
    function: { name: "get_weather", arguments: '{"city":"Lima"}' },
  }]);
  const calls = deltas.flatMap((d) => d.toolCalls ?? []);
  assert.deepEqual(calls.map((c) => c.index), [0]);
  assert.ok(!deltas.some((d) => d.content?.includes("<tool")), "the tag is never shown as content");
});

Deno.test("two tool calls get indexes 0 and 1", () => {
  const a = new AnswerAssembler({ tools: true, thinking: false, idPrefix: "c" });
  feed(a, [
    '<tool_call>{"name":"a","arguments":{}}</tool_call>\n<tool_call>{"name":"b","arguments":{"x":1}}</tool_call>',
  ]);
  assert.deepEqual(a.toolCalls.map((c) => [c.id, c.function.name]), [["c_0", "a"], ["c_1", "b"]]);
});

Deno.test("malformed tool-call JSON stays plain content and never throws", () => {
  for (const body of ["{not json", '{"arguments":{}}', '{"name":"x","arguments":"str"}', "[1,2]"]) {
    const a = new AnswerAssembler({ tools: true, thinking: false, idPrefix: "c" });
    feed(a, [`<tool_call>${body}</tool_call> tail`]);
    assert.equal(a.toolCalls.length, 0, body);
    assert.equal(a.content, `<tool_call>${body}</tool_call>tail`, body);
  }
  const open = new AnswerAssembler({ tools: true, thinking: false, idPrefix: "c" });
  feed(open, ['<tool_call>{"name": "never closed"']);
  assert.equal(
    open.content,
    '<tool_call>{"name": "never closed"',
    "unterminated call is shown as text",
  );
});

Deno.test("without tools, tool-call markup is ordinary text", () => {
  const a = new AnswerAssembler({ tools: false, thinking: false, idPrefix: "c" });
  feed(a, ['<tool_call>{"name":"a"}</tool_call>']);
  assert.equal(a.toolCalls.length, 0);
  assert.equal(a.content, '<tool_call>{"name":"a"}</tool_call>');
});

Deno.test("a leading think block becomes reasoning when thinking is on", () => {
  const a = new AnswerAssembler({ tools: false, thinking: true, idPrefix: "c" });
  const deltas = feed(a, ["<thi", "nk>\nplan it", "</th", "ink>\n\nThe answer."]);
  assert.equal(a.reasoning, "\nplan it");
  assert.equal(a.content, "The answer.");
  assert.ok(deltas.some((d) => d.reasoning) && deltas.some((d) => d.content));
  const plain = new AnswerAssembler({ tools: false, thinking: true, idPrefix: "c" });
  feed(plain, ["Just an answer"]);
  assert.equal(plain.content, "Just an answer");
});

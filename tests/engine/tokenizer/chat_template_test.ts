/**
 * ChatTemplate under limits: broken templates, exceptions, huge output, runaway loops and
 * oversized ranges all end in ChatTemplateError; long legitimate conversations still render.
 * @module
 */
import assert from "node:assert/strict";
import { ChatTemplate, ChatTemplateError } from "../../../engine/tokenizer/mod.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";

function throwsTemplateError(render: () => unknown, message: RegExp) {
  assert.throws(render, (error: Error) => {
    assert.ok(error instanceof ChatTemplateError, `${error.name}: ${error.message}`);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("a template that does not parse throws ChatTemplateError on construction", () => {
  throwsTemplateError(() => new ChatTemplate("{% for %}"), /does not parse/);
  throwsTemplateError(() => new ChatTemplate("{{ unclosed"), /does not parse/);
});

Deno.test("raise_exception in a template becomes a ChatTemplateError with its message", () => {
  const template = new ChatTemplate(
    "{% if messages[0].role != 'user' %}{{ raise_exception('first turn must be user') }}{% endif %}",
  );
  throwsTemplateError(
    () => template.render({ messages: [{ role: "assistant", content: "hi" }] }),
    /raised an exception: first turn must be user/,
  );
});

Deno.test("a runtime error in a template is a ChatTemplateError, not a crash", () => {
  throwsTemplateError(
    () => new ChatTemplate("{{ messages.nope() }}").render({ messages: [] }),
    /failed/,
  );
});

Deno.test("a template doubling a string is stopped at the output limit", () => {
  const template = new ChatTemplate(
    "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}" +
      "{% endfor %}{{ ns.s }}",
    { maxOutputChars: 1_000_000 },
  );
  throwsTemplateError(() => template.render({}), /string of \d+ characters; the limit is 1000000/);
});

Deno.test("range(1e12) is refused before anything is allocated", () => {
  const template = new ChatTemplate("{% for i in range(1000000000000) %}x{% endfor %}");
  throwsTemplateError(() => template.render({}), /ran past 10000000 steps/);
});

Deno.test("nested loops are stopped by the step budget", () => {
  const template = new ChatTemplate(
    "{% for i in range(1000) %}{% for j in range(1000) %}{{ j }}{% endfor %}{% endfor %}",
    { maxSteps: 50_000 },
  );
  throwsTemplateError(() => template.render({}), /ran past 50000 steps/);
});

Deno.test("a loop that evaluates nothing per item is still stopped by the time budget", () => {
  const template = new ChatTemplate(
    "{% set xs = range(200000) %}{% for i in xs %}{% for j in xs %}{% endfor %}{% endfor %}",
    { timeoutMs: 50, maxSteps: 1e12 },
  );
  throwsTemplateError(() => template.render({}), /ran past its 50 ms budget/);
});

Deno.test("a conversation larger than the output limit still renders", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/tokenizer_config.json`));
  const template = new ChatTemplate(config.chat_template, { maxOutputChars: 1000 });
  const content = "long line ".repeat(100_000);
  const messages = [{ role: "user", content }, { role: "assistant", content: "ok" }];
  const rendered = template.render({ messages, add_generation_prompt: true });
  assert.ok(rendered.includes(content));
  assert.ok(rendered.endsWith("<|im_start|>assistant\n"));
});

Deno.test("context values shadow template globals instead of clashing with them", () => {
  const template = new ChatTemplate("{{ range }} {{ none is none }}");
  assert.equal(template.render({ range: "mine" }), "mine true");
});

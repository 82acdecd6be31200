/**
 * strftime for `strftime_now`: the directives chat templates use, in English.
 * @module
 */
import assert from "node:assert/strict";
import { strftime } from "../../../engine/tokenizer/template_globals.ts";
import { ChatTemplate } from "../../../engine/tokenizer/mod.ts";

Deno.test("strftime formats the directives Llama templates use", () => {
  const date = new Date(2024, 6, 26, 15, 4, 5);
  assert.equal(strftime(date, "%d %b %Y"), "26 Jul 2024");
  assert.equal(strftime(date, "%A, %B %e %y"), "Friday, July 26 24");
  assert.equal(strftime(date, "%H:%M:%S %I%p %m/%d 100%% %Q"), "15:04:05 03PM 07/26 100% %Q");
});

Deno.test("strftime_now in a template renders today's date", () => {
  const today = strftime(new Date(), "%Y-%m-%d");
  assert.equal(new ChatTemplate("{{ strftime_now('%Y-%m-%d') }}").render({}), today);
});

import assert from "node:assert/strict";
import { Validator } from "npm:@cfworker/json-schema@4.1.6";
import {
  advance,
  anyObjectGrammar,
  canEnd,
  compileSchema,
  hasBit,
  initialState,
  JsonConstraint,
  SchemaUnsupportedError,
  vocabOf,
} from "../../constrain/mod.ts";

// A small vocabulary: every printable ASCII char plus multi-char pieces like a BPE vocab has.
const PIECES = [
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)),
  '{"',
  '":',
  '",',
  '"}',
  '":"',
  "true",
  "false",
  "null",
  "yes",
  "no",
  "name",
  "age",
  "tags",
  "12",
  "3.5",
  "e+",
  "\\u00",
  "\\n",
  "\n",
  " {",
  '"name"',
  "ab",
  "é",
  "日本",
  "\uFFFD",
];
const END = PIECES.length;
const vocabModel = {
  info: { vocabSize: PIECES.length + 1 },
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }) {
    return ids.map((id) =>
      id === END ? (options?.skipSpecialTokens ? "" : "<|im_end|>") : PIECES[id]
    )
      .join("");
  },
};
const vocab = vocabOf(vocabModel);

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Samples tokens uniformly among the allowed ones until the end token (or a cap). */
function sample(
  constraint: JsonConstraint,
  seed: number,
  cap = 400,
): { text: string; ended: boolean } {
  const rand = lcg(seed);
  const ids: number[] = [];
  for (let step = 0; step < cap; step++) {
    const mask = constraint.allowed(ids);
    const allowed = [];
    for (let id = 0; id <= END; id++) if (hasBit(mask, id)) allowed.push(id);
    assert.ok(
      allowed.length > 0,
      `no token allowed after ${JSON.stringify(vocabModel.decode(ids))}`,
    );
    // Prefer ending once possible half of the time so samples stay short.
    const id = allowed.includes(END) && rand() < 0.5
      ? END
      : allowed[Math.floor(rand() * allowed.length)];
    if (id === END) return { text: vocabModel.decode(ids), ended: true };
    ids.push(id);
  }
  return { text: vocabModel.decode(ids), ended: false };
}

const PERSON = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 6 },
    age: { type: "integer", minimum: 0, maximum: 120 },
    tags: { type: "array", items: { enum: ["yes", "no", 3] }, maxItems: 3 },
    ok: { type: "boolean" },
    score: { type: ["number", "null"] },
  },
  required: ["name", "age", "ok"],
  additionalProperties: false,
};

Deno.test("sampled constrained output always parses and validates against the schema", () => {
  const validator = new Validator(PERSON as never, "2020-12");
  let ended = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const { text, ended: done } = sample(
      new JsonConstraint(vocab, compileSchema(PERSON), [END]),
      seed,
    );
    if (!done) continue;
    ended++;
    const value = JSON.parse(text);
    const result = validator.validate(value);
    assert.ok(result.valid, `${text}: ${JSON.stringify(result.errors[0])}`);
  }
  assert.ok(ended >= 30, `most samples end (${ended}/60)`);
});

Deno.test("json_object mode yields a JSON object", () => {
  for (let seed = 1; seed <= 30; seed++) {
    const { text, ended } = sample(new JsonConstraint(vocab, anyObjectGrammar(), [END]), seed, 200);
    if (!ended) continue;
    const value = JSON.parse(text);
    assert.equal(typeof value, "object");
    assert.ok(value !== null && !Array.isArray(value), text);
  }
});

Deno.test("the grammar accepts valid compact JSON and rejects the rest", () => {
  const grammar = compileSchema(PERSON);
  const ok = [
    '{"name":"ab","age":7,"ok":true}',
    '{"ok":false,"age":120,"name":"","tags":["yes",3],"score":-1.5e+3}',
  ];
  for (const text of ok) assert.ok(canEnd(advance(initialState(grammar), text)), text);
  const bad = [
    '{"name":"ab","age":7}', // ok missing
    '{"name":"abcdefg","age":7,"ok":true}', // too long
    '{"name":"ab","age":121,"ok":true}', // out of range
    '{"name":"ab","age":7,"ok":true,"extra":1}', // not listed
    '{"name":"ab","name":"cd","age":7,"ok":true}', // duplicate
    '{"name":"ab","age":7.5,"ok":true}', // not an integer
    '{"name":"ab","age":7,"ok":true,}', // trailing comma
    '{"name":"ab", "age":7,"ok":true}', // whitespace outside strings
  ];
  for (const text of bad) assert.ok(!canEnd(advance(initialState(grammar), text)), text);
});

Deno.test("the mask never allows partial UTF-8 tokens and allows the end only when complete", () => {
  const constraint = new JsonConstraint(
    vocab,
    compileSchema({ type: "object", properties: { a: { type: "string" } } }),
    [END],
  );
  const first = constraint.allowed([]);
  assert.ok(hasBit(first, PIECES.indexOf("{")));
  assert.ok(hasBit(first, PIECES.indexOf('{"')));
  assert.ok(!hasBit(first, PIECES.indexOf("\uFFFD")));
  assert.ok(!hasBit(first, END));
  assert.ok(!hasBit(first, PIECES.indexOf(" {")));
  const done = constraint.allowed([PIECES.indexOf("{"), PIECES.indexOf("}")]);
  assert.ok(hasBit(done, END));
  assert.equal([...done].reduce((n, w) => n + (w ? 1 : 0), 0), 1, "only the end token remains");
});

Deno.test("recursive $ref schemas work", () => {
  const tree = {
    $defs: {
      node: {
        type: "object",
        properties: {
          v: { type: "integer", minimum: 0 },
          kids: { type: "array", items: { $ref: "#/$defs/node" }, maxItems: 2 },
        },
        required: ["v"],
      },
    },
    $ref: "#/$defs/node",
  };
  const grammar = compileSchema(tree);
  assert.ok(canEnd(advance(initialState(grammar), '{"v":1,"kids":[{"v":2},{"v":3,"kids":[]}]}')));
  assert.ok(!canEnd(advance(initialState(grammar), '{"v":1,"kids":[{"w":2}]}')));
});

Deno.test("schemas the grammar cannot enforce are refused, naming the keyword", () => {
  const cases: [unknown, RegExp][] = [
    [{ type: "string", pattern: "^a+$" }, /keyword "pattern"/],
    [
      { $ref: "#/$defs/a", $defs: { a: { $ref: "#/$defs/b" }, b: { $ref: "#/$defs/a" } } },
      /\$ref loop/,
    ],
    [{ $ref: "#" }, /\$ref loop/],
    [{ enum: Array.from({ length: 5000 }, (_, i) => i) }, /enum has 5000 values/],
    [{ type: "object", properties: {}, required: ["x"] }, /required property "x"/],
    [{ $ref: "https://example.com/s.json" }, /not a local/],
    [{ type: "number", minimum: 1 }, /minimum\/maximum/],
    [{ type: "strin" }, /unknown type/],
    ["not a schema", /expected a schema object/],
  ];
  for (const [schema, message] of cases) {
    assert.throws(
      () => compileSchema(schema),
      (e: Error) => e instanceof SchemaUnsupportedError && message.test(e.message),
      String(message),
    );
  }
});

/** `synapse memory`: the CLI over the knowledge graph. */
import assert from "node:assert/strict";
import type { CommandEnv } from "../../cli/command.ts";
import { memoryCommand } from "../../cli/memory.ts";
import { MemoryStore } from "../../memory/mod.ts";

function harness() {
  const home = Deno.makeTempDirSync({ prefix: "synapse-cli-memory-" });
  const out: string[] = [];
  const err: string[] = [];
  const env: CommandEnv = {
    home,
    vars: {},
    print: (t) => void out.push(t),
    printError: (t) => void err.push(t),
  };
  const run = async (...argv: string[]) => {
    out.length = 0;
    err.length = 0;
    const code = await memoryCommand(argv, env);
    return { code, out: out.join(""), err: err.join("") };
  };
  return { home, run, dispose: () => Deno.removeSync(home, { recursive: true }) };
}

Deno.test("synapse memory add, facts and forget edit the graph in SYNAPSE_HOME/synapse.db", async () => {
  const h = harness();
  const added = await h.run("add", "Paris", "is a", "city", "--confidence", "0.9");
  assert.equal(added.code, 0);
  assert.match(added.out, /^#1 {2}paris \| is a \| city {2}\(0\.90, cli\)/);
  assert.equal((await h.run("add", "Rome", "is a", "country", "--not")).code, 0);
  const listed = await h.run("facts", "--predicate", "is a");
  assert.equal(listed.out.trim().split("\n").length, 2);
  assert.match(listed.out, /rome \| NOT is a \| country/);
  const json = await h.run("facts", "--subject", "paris", "--json");
  assert.equal(JSON.parse(json.out).object, "city");
  assert.equal((await h.run("forget", "1")).code, 0);
  const missing = await h.run("forget", "1");
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no fact with id 1/);
  const store = MemoryStore.open(`${h.home}/synapse.db`);
  assert.equal(store.facts.count(), 1);
  store.close();
  h.dispose();
});

Deno.test("synapse memory add --text extracts statements; search finds facts and messages", async () => {
  const h = harness();
  const added = await h.run("add", "--text", "Paris is the capital of France. Mars has two moons.");
  assert.equal(added.code, 0);
  assert.equal(added.out.trim().split("\n").length, 2);
  assert.match((await h.run("search", "capital")).out, /france \| capital \| paris/);
  const store = MemoryStore.open(`${h.home}/synapse.db`);
  const c = store.conversations.start({ model: "m" });
  store.conversations.addMessage(c, { role: "user", content: "zebras are striped" });
  store.close();
  assert.match(
    (await h.run("search", "zebras", "--messages")).out,
    /conversation 1 message 1 \(user\): \[zebras\]/,
  );
  assert.equal((await h.run("add", "--text", "Est-ce vrai ?")).code, 1);
  h.dispose();
});

Deno.test("synapse memory export and import move facts between homes as JSON Lines", async () => {
  const a = harness();
  const b = harness();
  await a.run("add", "France", "capital", "Paris");
  await a.run("add", "Venus", "has", "moons", "--not");
  const file = `${a.home}/facts.jsonl`;
  assert.equal((await a.run("export", "--out", file)).code, 0);
  assert.equal(Deno.readTextFileSync(file).trim().split("\n").length, 2);
  assert.equal((await a.run("export")).out, Deno.readTextFileSync(file));
  Deno.writeTextFileSync(file, Deno.readTextFileSync(file) + "{broken\n");
  const imported = await b.run("import", file);
  assert.equal(imported.code, 1, "a skipped line makes the exit code non-zero");
  assert.match(imported.out, /imported 2, skipped 1/);
  assert.match(imported.err, /line 3:/);
  assert.match((await b.run("facts")).out, /venus \| NOT has \| moons/);
  a.dispose();
  b.dispose();
});

Deno.test("synapse memory answers usage mistakes with exit code 2 and bad values with 1", async () => {
  const h = harness();
  assert.equal((await h.run()).code, 2);
  const help = await h.run("--help");
  assert.equal(help.code, 0);
  assert.match(help.out, /synapse memory facts/);
  assert.equal((await h.run("frobnicate")).code, 2);
  assert.equal((await h.run("add", "only-one")).code, 2);
  assert.equal((await h.run("facts", "--bogus")).code, 2);
  assert.equal((await h.run("facts", "--limit", "ten")).code, 2);
  const bad = await h.run("add", "", "is a", "thing");
  assert.equal(bad.code, 1);
  assert.match(bad.err, /subject/);
  assert.equal((await h.run("import", `${h.home}/missing.jsonl`)).code, 1);
  h.dispose();
});

import assert from "node:assert/strict";
import { COMMANDS, findCommand } from "../../cli/mod.ts";
import { commandHelp, parseCommandArgs } from "../../cli/options.ts";
import { UP_SPEC } from "../../cli/up.ts";
import { settingByKey } from "../../config/mod.ts";
import { tempCli } from "./cli_env.ts";

Deno.test("synapse --help lists every command and exits 0; no command exits 2", async () => {
  const cli = await tempCli();
  try {
    const help = await cli.run(["--help"]);
    assert.equal(help.code, 0);
    for (const command of COMMANDS) assert.match(help.out, new RegExp(`\\b${command.name}\\b`));
    const none = await cli.run([]);
    assert.equal(none.code, 2);
    const unknown = await cli.run(["frobnicate"]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.err.trim().split("\n").length, 1);
    assert.match(unknown.err, /unknown command "frobnicate"/);
  } finally {
    await cli.cleanup();
  }
});

Deno.test("aliases reach the same command (serve = up, models = list)", () => {
  assert.equal(findCommand("serve"), findCommand("up"));
  assert.equal(findCommand("models"), findCommand("list"));
});

Deno.test("every serving and model command answers --help with its usage and exit 0", async () => {
  const cli = await tempCli();
  try {
    for (
      const name of ["up", "serve", "chat", "pull", "list", "models", "rm", "show", "ps", "status"]
    ) {
      const result = await cli.run([name, "--help"]);
      assert.equal(result.code, 0, name);
      assert.match(result.out, /Usage: synapse/, name);
    }
  } finally {
    await cli.cleanup();
  }
});

Deno.test("up --help is generated from the settings table: each flag with its variable and default", () => {
  const help = commandHelp(UP_SPEC);
  for (const key of UP_SPEC.settings) {
    const setting = settingByKey(key);
    assert.match(help, new RegExp(`--${setting.flag}\\b`), key);
    assert.ok(help.includes(setting.env), setting.env);
  }
  assert.match(help, /--port PORT .*\[default 6900\] \(SYNAPSE_PORT\)/);
  assert.match(help, /--no-sandbox .*\(SYNAPSE_NO_SANDBOX\)/);
});

Deno.test("flags map to setting keys and switches fall back to their variables", () => {
  const parsed = parseCommandArgs(UP_SPEC, ["--port", "7000", "--insecure-no-auth"], {
    SYNAPSE_NO_SANDBOX: "1",
  });
  assert.deepEqual(parsed.flags, { "server.port": "7000", "server.insecure_no_auth": true });
  assert.equal(parsed.switches["no-sandbox"], true);
});

Deno.test("usage mistakes are one line and a non-zero exit", async () => {
  const cli = await tempCli();
  try {
    for (const argv of [["list", "--bogus"], ["pull"], ["pull", "a", "b"], ["show"], ["rm"]]) {
      const result = await cli.run(argv);
      assert.notEqual(result.code, 0, argv.join(" "));
      assert.equal(result.err.trim().split("\n").length, 1, argv.join(" "));
    }
  } finally {
    await cli.cleanup();
  }
});

Deno.test("a bad variable or config key is named in the one-line error", async () => {
  const cli = await tempCli();
  try {
    const badVar = await cli.run(["list"], { SYNAPSE_PORT: "abc" });
    assert.equal(badVar.code, 1);
    assert.match(badVar.err, /SYNAPSE_PORT must be an integer/);
    await Deno.writeTextFile(`${cli.home}/config.yaml`, "server:\n  prot: 1\n");
    const badKey = await cli.run(["list"]);
    assert.equal(badKey.code, 1);
    assert.match(badKey.err, /unknown key "server\.prot"/);
  } finally {
    await cli.cleanup();
  }
});

Deno.test("the first command creates SYNAPSE_HOME/config.yaml with the documented defaults", async () => {
  const cli = await tempCli();
  try {
    await cli.run(["list"]);
    const text = await Deno.readTextFile(`${cli.home}/config.yaml`);
    assert.match(text, /port: 6900/);
    assert.match(text, /SYNAPSE_PORT/);
  } finally {
    await cli.cleanup();
  }
});

Deno.test("list shows the embedded default model, also as JSON", async () => {
  const cli = await tempCli();
  try {
    const table = await cli.run(["list"]);
    assert.equal(table.code, 0);
    assert.match(table.out, /^NAME\s+FORMAT/);
    assert.match(table.out, /default:latest\s+embedded/);
    const json = await cli.run(["models", "--json"]);
    assert.deepEqual(JSON.parse(json.out).models.map((m: { name: string }) => m.name), [
      "default:latest",
    ]);
    const fromVar = await cli.run(["list"], { SYNAPSE_JSON: "1" });
    assert.ok(JSON.parse(fromVar.out).models);
  } finally {
    await cli.cleanup();
  }
});

Deno.test("ps without a server says so in one line and exits non-zero; status still reports", async () => {
  const cli = await tempCli();
  try {
    const port = String(40000 + Math.floor(Math.random() * 20000));
    const ps = await cli.run(["ps", "--port", port]);
    assert.equal(ps.code, 1);
    assert.match(ps.err, /no synapse server answers/);
    const status = await cli.run(["status", "--port", port, "--json"]);
    assert.equal(status.code, 0);
    const report = JSON.parse(status.out);
    assert.equal(report.server, null);
    assert.equal(typeof report.device.gpu.available, "boolean");
  } finally {
    await cli.cleanup();
  }
});

Deno.test("up refuses a non-loopback bind without a key, naming the fix", async () => {
  const cli = await tempCli();
  try {
    const result = await cli.run(["up", "--host", "0.0.0.0", "--no-sandbox"]);
    assert.equal(result.code, 1);
    assert.match(result.err, /SYNAPSE_API_KEY.*--insecure-no-auth/);
  } finally {
    await cli.cleanup();
  }
});

Deno.test("33. up on a taken port exits non-zero with one line saying what holds it", async () => {
  const cli = await tempCli();
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = String((holder.addr as Deno.NetAddr).port);
    const result = await cli.run(["up", "--port", port, "--no-sandbox"]);
    assert.equal(result.code, 1);
    assert.match(
      result.err.trim().split("\n").at(-1)!,
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use: another program holds it`),
    );
  } finally {
    holder.close();
    await cli.cleanup();
  }
});

Deno.test("every flag of the serving and model commands comes from the one settings table", async () => {
  const { CLI_SWITCHES, SETTINGS } = await import("../../config/mod.ts");
  const specs = await Promise.all([
    import("../../cli/up.ts").then((m) => m.UP_SPEC),
    import("../../cli/chat.ts").then((m) => m.CHAT_SPEC),
    import("../../cli/pull.ts").then((m) => m.PULL_SPEC),
    import("../../cli/list.ts").then((m) => m.LIST_SPEC),
    import("../../cli/rm.ts").then((m) => m.RM_SPEC),
    import("../../cli/show.ts").then((m) => m.SHOW_SPEC),
    import("../../cli/ps.ts").then((m) => m.PS_SPEC),
    import("../../cli/status.ts").then((m) => m.STATUS_SPEC),
  ]);
  for (const spec of specs) {
    for (const key of spec.settings) assert.ok(SETTINGS.some((s) => s.key === key && s.flag), key);
    for (const sw of spec.switches ?? []) {
      assert.ok(CLI_SWITCHES.includes(sw), `${spec.name} --${sw.name}`);
    }
  }
  const variables = [...SETTINGS.map((s) => s.env), ...CLI_SWITCHES.map((s) => s.env)];
  assert.equal(new Set(variables).size, variables.length, "one variable per flag");
  assert.ok(variables.every((v) => v.startsWith("SYNAPSE_")));
});

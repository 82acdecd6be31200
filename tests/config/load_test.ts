import assert from "node:assert/strict";
import {
  ConfigError,
  defaultConfigText,
  loadConfig,
  parseConfigText,
  resolveConfig,
  SETTINGS,
} from "../../config/mod.ts";

Deno.test("loadConfig() writes a documented config.yaml on first run and reads it back", async () => {
  const home = await Deno.makeTempDir();
  try {
    const config = await loadConfig(`${home}/nested/home`);
    const text = await Deno.readTextFile(`${home}/nested/home/config.yaml`);
    assert.equal(text, defaultConfigText());
    for (const setting of SETTINGS) {
      assert.match(text, new RegExp(`\\b${setting.key.split(".")[1]}:`), setting.key);
      assert.ok(text.includes(setting.env), `${setting.env} documented`);
    }
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal(config.server.port, 6900);
    assert.equal(config.models.keepAlive, 300_000);
    assert.equal(config.layout.modelsDir, `${home}/nested/home/models`);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("the default config file parses to exactly the built-in defaults", () => {
  const { values } = parseConfigText(defaultConfigText());
  for (const setting of SETTINGS) {
    assert.deepEqual(values.get(setting.key), setting.default, setting.key);
  }
});

Deno.test("loadConfig() keeps a config.yaml the user edited", async () => {
  const home = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${home}/config.yaml`, "server:\n  port: 7100\n");
    const config = await loadConfig(home);
    assert.equal(config.server.port, 7100);
    assert.equal(await Deno.readTextFile(`${home}/config.yaml`), "server:\n  port: 7100\n");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("an unknown key is an error naming the key and the known ones", () => {
  assert.throws(
    () => resolveConfig("/h", "server:\n  prot: 80\n"),
    (e: Error) =>
      e instanceof ConfigError && e.message.includes('"server.prot"') &&
      e.message.includes("port"),
  );
  assert.throws(
    () => resolveConfig("/h", "sever:\n  port: 80\n"),
    (e: Error) => e instanceof ConfigError && e.message.includes('"sever"'),
  );
});

Deno.test("a value of the wrong type is an error naming the key, the expectation and the value", () => {
  assert.throws(
    () => resolveConfig("/h", "server:\n  port: high\n"),
    /config\.yaml: server\.port must be an integer from 0 to 65535, found "high"/,
  );
  assert.throws(() => resolveConfig("/h", "server:\n  port: 70000\n"), /server\.port/);
  assert.throws(() => resolveConfig("/h", "server:\n  log_prompts: maybe\n"), /log_prompts/);
  assert.throws(() => resolveConfig("/h", "models:\n  keep_alive: soon\n"), /keep_alive.*duration/);
  assert.throws(() => resolveConfig("/h", "server:\n  allowed_hosts: a.b\n"), /list of strings/);
});

Deno.test("invalid YAML is an error that says so, with its line", () => {
  assert.throws(
    () => resolveConfig("/h", "server:\n  port: [1,\n"),
    (e: Error) => e instanceof ConfigError && /not valid YAML/.test(e.message),
  );
  assert.throws(() => resolveConfig("/h", "- a\n- b\n"), /mapping/);
});

Deno.test("a secret value is never echoed in an error", () => {
  assert.throws(
    () => resolveConfig("/h", "server:\n  api_key: 12345\n"),
    (e: Error) => e.message.includes("(hidden)") && !e.message.includes("12345"),
  );
});

Deno.test("environment variables override the file and flags override both", () => {
  const text = "server:\n  port: 7100\n  host: 127.0.0.1\n";
  const fromEnv = resolveConfig("/h", text, { vars: { SYNAPSE_PORT: "7200" } });
  assert.equal(fromEnv.server.port, 7200);
  const fromFlag = resolveConfig("/h", text, {
    vars: { SYNAPSE_PORT: "7200", SYNAPSE_HOST: "0.0.0.0" },
    flags: { "server.port": "7300" },
  });
  assert.equal(fromFlag.server.port, 7300);
  assert.equal(fromFlag.server.host, "0.0.0.0");
});

Deno.test("a bad environment value is an error naming the variable", () => {
  assert.throws(
    () => resolveConfig("/h", null, { vars: { SYNAPSE_PORT: "80a" } }),
    /SYNAPSE_PORT must be an integer/,
  );
  assert.throws(
    () => resolveConfig("/h", null, { flags: { "server.port": "-3" } }),
    /--port must be an integer/,
  );
});

Deno.test("HF_ENDPOINT and HF_TOKEN are honoured when the SYNAPSE_ names are unset", () => {
  const config = resolveConfig("/h", null, {
    vars: { HF_ENDPOINT: "http://127.0.0.1:9", HF_TOKEN: "hf_x" },
  });
  assert.equal(config.hub.endpoint, "http://127.0.0.1:9");
  assert.equal(config.hub.token, "hf_x");
});

Deno.test("list variables are comma-separated", () => {
  const config = resolveConfig("/h", null, { vars: { SYNAPSE_ALLOWED_HOSTS: "a.lan, b.lan," } });
  assert.deepEqual(config.server.allowedHosts, ["a.lan", "b.lan"]);
});

Deno.test("registry entries in config.yaml add names and are validated", () => {
  const text = "registry:\n  tiny:\n    repo: acme/tiny\n    files: ['*.gguf']\n";
  const config = resolveConfig("/h", text);
  assert.deepEqual(config.registry.tiny, {
    repo: "acme/tiny",
    revision: "main",
    files: ["*.gguf"],
  });
  assert.ok(config.registry["qwen3:0.6b"], "built-in names stay");
  assert.throws(
    () => resolveConfig("/h", "registry:\n  x:\n    repo: ../etc\n    files: [a]\n"),
    /registry\.x\.repo/,
  );
  assert.throws(
    () => resolveConfig("/h", "registry:\n  x:\n    repo: a/b\n    files: ['../a']\n"),
    /registry\.x\.files/,
  );
  assert.throws(
    () => resolveConfig("/h", "registry:\n  x:\n    repo: a/b\n    files: [a]\n    url: c\n"),
    /unknown key "url"/,
  );
});

Deno.test("models.backend takes auto, gpu or cpu, and names the choices when given another", () => {
  assert.equal(resolveConfig("/h", null).models.backend, "auto");
  assert.equal(resolveConfig("/h", "models:\n  backend: cpu\n").models.backend, "cpu");
  assert.equal(
    resolveConfig("/h", null, { vars: { SYNAPSE_BACKEND: "gpu" } }).models.backend,
    "gpu",
  );
  assert.throws(
    () => resolveConfig("/h", "models:\n  backend: tpu\n"),
    /config\.yaml: models\.backend must be one of auto, gpu, cpu, found "tpu"/,
  );
  assert.throws(
    () => resolveConfig("/h", null, { flags: { "models.backend": "GPU" } }),
    /--backend must be one of auto, gpu, cpu, found "GPU"/,
  );
});

/**
 * The one settings table: every configurable value with its `config.yaml` key, command-line
 * flag, `SYNAPSE_*` variable, type, default and one-line doc. The config loader, the first-run
 * `config.yaml`, and every command's `--help` are all generated from it.
 * @module
 */

/** How a setting's text (flag or variable) is read. */
export type SettingType = "string" | "integer" | "boolean" | "list" | "duration";

/** A setting's value once read: lists are string arrays, durations milliseconds. */
export type SettingValue = string | number | boolean | string[];

/** One row of the settings table. */
export interface Setting {
  /** Dotted path in `config.yaml`, e.g. `server.port`. */
  readonly key: string;
  /** Long flag without dashes, e.g. `port` for `--port`; absent when it has none. */
  readonly flag?: string;
  /** The environment variable that overrides the file, e.g. `SYNAPSE_PORT`. */
  readonly env: string;
  /** A second variable honoured when `env` is unset (e.g. `HF_ENDPOINT`). */
  readonly altEnv?: string;
  readonly type: SettingType;
  readonly default: SettingValue;
  /** The only values a string setting accepts. */
  readonly choices?: readonly string[];
  /** Inclusive bounds for integers and durations (ms). */
  readonly min?: number;
  readonly max?: number;
  /** One line: what it does. */
  readonly doc: string;
  /** Never printed in full (API keys, tokens). */
  readonly secret?: boolean;
  /** Placeholder shown in `--help`, e.g. `PORT`. */
  readonly meta?: string;
}

const MiB = 1024 * 1024;

/** Every setting, grouped by `config.yaml` section, in the order the file lists them. */
export const SETTINGS: readonly Setting[] = [
  {
    key: "server.host",
    flag: "host",
    env: "SYNAPSE_HOST",
    type: "string",
    default: "127.0.0.1",
    meta: "ADDR",
    doc: "Address to listen on; anything but loopback requires api_key (or insecure_no_auth)",
  },
  {
    key: "server.port",
    flag: "port",
    env: "SYNAPSE_PORT",
    type: "integer",
    default: 6900,
    min: 0,
    max: 65535,
    meta: "PORT",
    doc: "TCP port to listen on (0 picks a free one)",
  },
  {
    key: "server.api_key",
    flag: "api-key",
    env: "SYNAPSE_API_KEY",
    type: "string",
    default: "",
    secret: true,
    meta: "KEY",
    doc: "Bearer key clients must send; empty means none (loopback only)",
  },
  {
    key: "server.insecure_no_auth",
    flag: "insecure-no-auth",
    env: "SYNAPSE_INSECURE_NO_AUTH",
    type: "boolean",
    default: false,
    doc: "Allow a non-loopback host without an api_key (not recommended)",
  },
  {
    key: "server.allowed_hosts",
    flag: "allowed-hosts",
    env: "SYNAPSE_ALLOWED_HOSTS",
    type: "list",
    default: [],
    meta: "NAMES",
    doc: "Host header names accepted besides loopback ones (DNS-rebinding guard), comma-separated",
  },
  {
    key: "server.allowed_origins",
    flag: "allowed-origins",
    env: "SYNAPSE_ALLOWED_ORIGINS",
    type: "list",
    default: [],
    meta: "ORIGINS",
    doc: "Browser origins that get CORS headers, e.g. http://localhost:3000; comma-separated",
  },
  {
    key: "server.max_body_bytes",
    env: "SYNAPSE_MAX_BODY_BYTES",
    type: "integer",
    default: 16 * MiB,
    min: 1024,
    max: 1024 * MiB,
    doc: "Largest request body accepted (413 beyond)",
  },
  {
    key: "server.body_timeout",
    env: "SYNAPSE_BODY_TIMEOUT",
    type: "duration",
    default: 30_000,
    min: 100,
    max: 3_600_000,
    doc: "How long a client may take to send its request body (408 after)",
  },
  {
    key: "server.parallel",
    flag: "parallel",
    env: "SYNAPSE_PARALLEL",
    type: "integer",
    default: 4,
    min: 1,
    max: 256,
    meta: "N",
    doc: "Requests generating at once; more wait in the queue",
  },
  {
    key: "server.max_queue",
    env: "SYNAPSE_MAX_QUEUE",
    type: "integer",
    default: 64,
    min: 0,
    max: 100_000,
    doc: "Requests that may wait for a slot; beyond it clients get 503 server_busy",
  },
  {
    key: "server.drain_timeout",
    env: "SYNAPSE_DRAIN_TIMEOUT",
    type: "duration",
    default: 10_000,
    min: 0,
    max: 600_000,
    doc: "On SIGINT/SIGTERM, how long running requests may finish before they are aborted",
  },
  {
    key: "server.log_prompts",
    env: "SYNAPSE_LOG_PROMPTS",
    type: "boolean",
    default: false,
    doc: "Log prompt and answer text (off: only sizes and timings are logged)",
  },
  {
    key: "models.default",
    flag: "model",
    env: "SYNAPSE_MODEL",
    type: "string",
    default: "default",
    meta: "NAME",
    doc: "Model loaded at start; 'default' is the embedded tiny model",
  },
  {
    key: "models.backend",
    flag: "backend",
    env: "SYNAPSE_BACKEND",
    type: "string",
    default: "auto",
    choices: ["auto", "gpu", "cpu"],
    meta: "auto|gpu|cpu",
    doc: "What runs models: auto takes the GPU when WebGPU has a hardware adapter, else the CPU",
  },
  {
    key: "models.keep_alive",
    flag: "keep-alive",
    env: "SYNAPSE_KEEP_ALIVE",
    type: "duration",
    default: 300_000,
    meta: "DURATION",
    doc: "How long an idle model stays loaded (e.g. 5m, 30s; 0 unloads at once, -1 never)",
  },
  {
    key: "models.max_loaded",
    env: "SYNAPSE_MAX_LOADED",
    type: "integer",
    default: 2,
    min: 1,
    max: 64,
    doc: "Models kept loaded at once; loading another evicts the least recently used idle one",
  },
  {
    key: "models.specialists",
    flag: "specialists",
    env: "SYNAPSE_SPECIALISTS",
    type: "string",
    default: "",
    meta: "DIR",
    doc: "Folder whose sub-folders are LoRA specialists (PEFT adapters) of the base model",
  },
  {
    key: "hub.endpoint",
    flag: "hub",
    env: "SYNAPSE_HUB_ENDPOINT",
    altEnv: "HF_ENDPOINT",
    type: "string",
    default: "https://huggingface.co",
    meta: "URL",
    doc: "Base URL of the Hugging Face hub to pull from",
  },
  {
    key: "hub.token",
    env: "SYNAPSE_HUB_TOKEN",
    altEnv: "HF_TOKEN",
    type: "string",
    default: "",
    secret: true,
    doc: "Hugging Face access token for gated or private repos (sent to the hub host only)",
  },
  {
    key: "hub.allowed_hosts",
    env: "SYNAPSE_HUB_ALLOWED_HOSTS",
    type: "list",
    default: ["huggingface.co", "*.huggingface.co", "*.hf.co"],
    doc: "Hosts pull may download from or be redirected to (the endpoint's host is added)",
  },
];

/** A command-line switch that is not a `config.yaml` setting (still mirrored by a variable). */
export interface CliSwitch {
  /** Long flag without dashes, e.g. `json`. */
  readonly name: string;
  readonly type: "boolean" | "string";
  /** The variable that sets it when the flag is absent, e.g. `SYNAPSE_JSON`. */
  readonly env: string;
  readonly doc: string;
  readonly meta?: string;
}

/** The switches commands take besides settings; each command lists the ones it accepts. */
export const CLI_SWITCHES: readonly CliSwitch[] = [
  { name: "json", type: "boolean", env: "SYNAPSE_JSON", doc: "Print JSON instead of a table" },
  {
    name: "verify",
    type: "boolean",
    env: "SYNAPSE_VERIFY",
    doc: "Re-hash the files against the manifest",
  },
  { name: "system", type: "string", env: "SYNAPSE_SYSTEM", doc: "System prompt", meta: "TEXT" },
  {
    name: "max-tokens",
    type: "string",
    env: "SYNAPSE_MAX_TOKENS",
    doc: "Most tokens per answer",
    meta: "N",
  },
  {
    name: "local",
    type: "boolean",
    env: "SYNAPSE_LOCAL",
    doc: "Run the model in this process even if a server runs",
  },
  {
    name: "no-sandbox",
    type: "boolean",
    env: "SYNAPSE_NO_SANDBOX",
    doc: "Serve in this process with its permissions instead of re-running with narrow ones",
  },
];

/** Looks up a command-line switch by name. */
export function cliSwitch(name: string): CliSwitch {
  const found = CLI_SWITCHES.find((s) => s.name === name);
  if (!found) throw new RangeError(`no switch "${name}"; expected one of the switch table's names`);
  return found;
}

/** Looks up a setting by its `config.yaml` key. */
export function settingByKey(key: string): Setting {
  const found = SETTINGS.find((s) => s.key === key);
  if (!found) {
    throw new RangeError(`no setting "${key}"; expected one of the settings table's keys`);
  }
  return found;
}

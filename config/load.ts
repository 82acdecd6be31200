/**
 * Loads the configuration: `config.yaml` (written with documented defaults on first run),
 * validated key by key, then environment variables, then flags, over the built-in defaults.
 * @module
 */
import { parseDocument } from "npm:yaml@2.9.1";
import { defaultConfigText } from "./default_file.ts";
import { type HomeLayout, homeLayout } from "./home.ts";
import { BUILTIN_REGISTRY, type RegistryEntry } from "./registry.ts";
import { type Setting, SETTINGS, type SettingValue } from "./settings.ts";
import { ConfigError, valueFromText, valueFromYaml } from "./values.ts";

/** `server:` settings, as the settings table defines them (durations in ms). */
export interface ServerConfig {
  host: string;
  port: number;
  apiKey: string;
  insecureNoAuth: boolean;
  allowedHosts: string[];
  allowedOrigins: string[];
  maxBodyBytes: number;
  bodyTimeout: number;
  parallel: number;
  maxQueue: number;
  drainTimeout: number;
  logPrompts: boolean;
}

/** `models:` settings (keepAlive in ms; negative = forever). */
export interface ModelsConfig {
  default: string;
  /** "auto", "gpu" or "cpu" (engine/backend.ts). */
  backend: "auto" | "gpu" | "cpu";
  keepAlive: number;
  maxLoaded: number;
  specialists: string;
}

/** `hub:` settings. */
export interface HubConfig {
  endpoint: string;
  token: string;
  allowedHosts: string[];
}

/** The whole resolved configuration. */
export interface Config {
  readonly layout: HomeLayout;
  server: ServerConfig;
  models: ModelsConfig;
  hub: HubConfig;
  /** Built-in pull names merged with `config.yaml`'s `registry:`. */
  registry: Record<string, RegistryEntry>;
}

/** Where setting values come from besides the file. */
export interface ConfigSources {
  /** Environment variables (`SYNAPSE_*`, `HF_ENDPOINT`, `HF_TOKEN`). */
  vars?: Readonly<Record<string, string | undefined>>;
  /** Flag values by setting key (`server.port` → `"7000"`), as typed on the command line. */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
}

const SECTIONS = [...new Set(SETTINGS.map((s) => s.key.split(".")[0]))];

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function place(target: Record<string, Record<string, SettingValue>>, key: string, v: SettingValue) {
  const [section, name] = key.split(".");
  (target[section] ??= {})[camel(name)] = v;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses `config.yaml` text into setting values by key and registry entries; throws ConfigError. */
export function parseConfigText(
  text: string,
  source = "config.yaml",
): { values: Map<string, SettingValue>; registry: Record<string, RegistryEntry> } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(`${source}: not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  }
  const root = doc.toJS({ maxAliasCount: 50 }) ?? {};
  if (!isMapping(root)) {
    throw new ConfigError(`${source}: expected a mapping of sections at the top`);
  }
  const values = new Map<string, SettingValue>();
  let registry: Record<string, RegistryEntry> = {};
  for (const [section, body] of Object.entries(root)) {
    if (section === "registry") {
      registry = parseRegistry(body, source);
      continue;
    }
    if (!SECTIONS.includes(section)) {
      throw new ConfigError(
        `${source}: unknown key "${section}"; expected one of ${
          [...SECTIONS, "registry"].join(", ")
        }`,
      );
    }
    if (body === null) continue;
    if (!isMapping(body)) throw new ConfigError(`${source}: "${section}" must be a mapping`);
    for (const [name, raw] of Object.entries(body)) {
      const setting = SETTINGS.find((s) => s.key === `${section}.${name}`);
      if (!setting) {
        const known = SETTINGS.filter((s) => s.key.startsWith(`${section}.`))
          .map((s) => s.key.slice(section.length + 1));
        throw new ConfigError(
          `${source}: unknown key "${section}.${name}"; known keys in ${section}: ${
            known.join(", ")
          }`,
        );
      }
      if (raw === null) continue;
      values.set(setting.key, valueFromYaml(setting, raw, `${source}: ${setting.key}`));
    }
  }
  return { values, registry };
}

function parseRegistry(body: unknown, source: string): Record<string, RegistryEntry> {
  if (body === null) return {};
  if (!isMapping(body)) throw new ConfigError(`${source}: "registry" must be a mapping of names`);
  const out: Record<string, RegistryEntry> = {};
  for (const [name, entry] of Object.entries(body)) {
    const where = `${source}: registry.${name}`;
    if (!isMapping(entry)) throw new ConfigError(`${where} must be a mapping with repo and files`);
    for (const key of Object.keys(entry)) {
      if (!["repo", "revision", "files"].includes(key)) {
        throw new ConfigError(`${where}: unknown key "${key}"; expected repo, revision, files`);
      }
    }
    const { repo, revision = "main", files } = entry;
    if (typeof repo !== "string" || !/^[\w.-]+\/[\w.-]+$/.test(repo) || repo.includes("..")) {
      throw new ConfigError(`${where}.repo must be "owner/name", found ${JSON.stringify(repo)}`);
    }
    if (typeof revision !== "string" || !/^[\w.\/-]+$/.test(revision) || revision.includes("..")) {
      throw new ConfigError(`${where}.revision must be a branch, tag or commit`);
    }
    if (
      !Array.isArray(files) || files.length === 0 ||
      files.some((f) => typeof f !== "string" || f.startsWith("/") || f.split("/").includes(".."))
    ) {
      throw new ConfigError(`${where}.files must be a non-empty list of relative file names`);
    }
    out[name] = { repo, revision, files };
  }
  return out;
}

function envValue(setting: Setting, vars: ConfigSources["vars"]): SettingValue | undefined {
  for (const name of [setting.env, setting.altEnv]) {
    const text = name ? vars?.[name] : undefined;
    if (text !== undefined && text !== "") return valueFromText(setting, text, name!);
  }
  return undefined;
}

function flagValue(setting: Setting, flags: ConfigSources["flags"]): SettingValue | undefined {
  const raw = flags?.[setting.key];
  if (raw === undefined) return undefined;
  if (typeof raw === "boolean") return raw;
  return valueFromText(setting, raw, `--${setting.flag ?? setting.key}`);
}

/** Resolves every setting for the home at `root`, from `fileText` (if any) and `sources`. */
export function resolveConfig(
  root: string,
  fileText: string | null,
  sources: ConfigSources = {},
): Config {
  const parsed = fileText === null
    ? { values: new Map<string, SettingValue>(), registry: {} }
    : parseConfigText(fileText);
  const tree: Record<string, Record<string, SettingValue>> = {};
  for (const setting of SETTINGS) {
    const value = flagValue(setting, sources.flags) ?? envValue(setting, sources.vars) ??
      parsed.values.get(setting.key) ?? setting.default;
    place(tree, setting.key, value);
  }
  return {
    layout: homeLayout(root),
    ...(tree as unknown as Pick<Config, "server" | "models" | "hub">),
    registry: { ...BUILTIN_REGISTRY, ...parsed.registry },
  };
}

/**
 * Loads the configuration of the home at `root`: creates the folder and a documented
 * `config.yaml` on first run, then resolves it with `sources`. Throws ConfigError naming the bad
 * key, variable or flag.
 */
export async function loadConfig(root: string, sources: ConfigSources = {}): Promise<Config> {
  const layout = homeLayout(root);
  let text: string;
  try {
    text = await Deno.readTextFile(layout.configFile);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    text = defaultConfigText();
    await Deno.mkdir(root, { recursive: true });
    await Deno.writeTextFile(layout.configFile, text, { createNew: true }).catch((e) => {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    });
  }
  try {
    return resolveConfig(root, text, sources);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ConfigError(error.message.replace(/^config\.yaml/, layout.configFile));
    }
    throw error;
  }
}

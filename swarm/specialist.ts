/**
 * What a specialist is: a name, what it is for (description, cue keywords, system prompt) and
 * what answers for it (a LoRA adapter over the base model, or a remote OpenAI-compatible model).
 * @module
 */
import { SpecialistConfigError } from "./errors.ts";

/** A remote OpenAI-compatible chat endpoint (another synapse, vLLM, Ollama, a cloud API). */
export interface EndpointConfig {
  /** Base URL, e.g. `http://127.0.0.1:6901` or `https://api.example.com/v1`. */
  url: string;
  /** The `model` name sent to the endpoint. */
  model: string;
  /** Sent as `Authorization: Bearer ...` when present. */
  apiKey?: string;
}

/**
 * One specialist, as `config.yaml` lists it or `specialistsFromDir` finds it. With neither
 * `adapter` nor `endpoint` it answers with the base model (and its system prompt).
 */
export interface SpecialistConfig {
  /** Unique name; requests force it with `model: "synapse:NAME"`. */
  name: string;
  description?: string;
  /** Keywords that vote for this specialist when they occur in a request. */
  cues?: string[];
  /** Sent as the system turn when the request has none. */
  systemPrompt?: string;
  /** Breaks ties between equal router scores; higher wins (default 0). */
  priority?: number;
  /** PEFT adapter folder or GGUF LoRA file applied to the base model. */
  adapter?: string;
  /** Remote model that answers instead of the local base. */
  endpoint?: EndpointConfig;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Whether `name` may name a specialist (letters, digits, `_ . -`; 1-64 chars; no paths). */
export function isSpecialistName(name: string): boolean {
  return NAME.test(name) && !name.includes("..");
}

function optionalString(raw: Record<string, unknown>, key: string, where: string) {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new SpecialistConfigError(`${where}.${key}: expected a string, found ${typeof value}`);
  }
  return value;
}

function parseEndpoint(value: unknown, where: string): EndpointConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new SpecialistConfigError(`${where}.endpoint: expected an object with url and model`);
  }
  const raw = value as Record<string, unknown>;
  const url = optionalString(raw, "url", `${where}.endpoint`);
  const model = optionalString(raw, "model", `${where}.endpoint`);
  if (!url || !model) {
    throw new SpecialistConfigError(`${where}.endpoint: expected both url and model`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SpecialistConfigError(`${where}.endpoint.url: expected an http(s) URL, found ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new SpecialistConfigError(
      `${where}.endpoint.url: expected http: or https:, found ${parsed.protocol}`,
    );
  }
  const apiKey = optionalString(raw, "apiKey", `${where}.endpoint`) ??
    optionalString(raw, "api_key", `${where}.endpoint`);
  return { url, model, ...(apiKey ? { apiKey } : {}) };
}

function parseCues(value: unknown, where: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") {
    return value.split(",").map((c) => c.trim()).filter((c) => c.length > 0);
  }
  if (!Array.isArray(value) || value.some((c) => typeof c !== "string")) {
    throw new SpecialistConfigError(`${where}.cues: expected a list of strings`);
  }
  return value.map((c: string) => c.trim()).filter((c) => c.length > 0);
}

/**
 * Checks a raw specialist entry (parsed YAML/JSON) and returns it typed. Accepts snake_case
 * `system_prompt` as well as `systemPrompt`.
 *
 * @example
 * ```ts
 * const s = parseSpecialistConfig({ name: "math", cues: ["sum", "+"], adapter: "adapters/math" });
 * ```
 */
export function parseSpecialistConfig(value: unknown, where = "specialist"): SpecialistConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SpecialistConfigError(`${where}: expected an object, found ${JSON.stringify(value)}`);
  }
  const raw = value as Record<string, unknown>;
  const name = optionalString(raw, "name", where);
  if (!name || !isSpecialistName(name)) {
    throw new SpecialistConfigError(
      `${where}.name: expected 1-64 letters, digits, '_', '.' or '-', found ${
        JSON.stringify(raw.name)
      }`,
    );
  }
  const priority = raw.priority ?? 0;
  if (typeof priority !== "number" || !Number.isFinite(priority)) {
    throw new SpecialistConfigError(`${where}.priority: expected a number, found ${priority}`);
  }
  const adapter = optionalString(raw, "adapter", where);
  const endpoint = parseEndpoint(raw.endpoint, where);
  if (adapter && endpoint) {
    throw new SpecialistConfigError(`${where}: expected either adapter or endpoint, found both`);
  }
  const config: SpecialistConfig = { name, priority };
  const description = optionalString(raw, "description", where);
  const systemPrompt = optionalString(raw, "systemPrompt", where) ??
    optionalString(raw, "system_prompt", where);
  const cues = parseCues(raw.cues, where);
  if (description) config.description = description;
  if (cues) config.cues = cues;
  if (systemPrompt) config.systemPrompt = systemPrompt;
  if (adapter) config.adapter = adapter;
  if (endpoint) config.endpoint = endpoint;
  return config;
}

/** Checks a list of specialists, including that names are unique. */
export function parseSpecialistConfigs(value: unknown): SpecialistConfig[] {
  if (!Array.isArray(value)) {
    throw new SpecialistConfigError(`specialists: expected a list, found ${typeof value}`);
  }
  const configs = value.map((v, i) => parseSpecialistConfig(v, `specialists[${i}]`));
  const seen = new Set<string>();
  for (const c of configs) {
    if (seen.has(c.name)) {
      throw new SpecialistConfigError(`specialists: name "${c.name}" appears more than once`);
    }
    seen.add(c.name);
  }
  return configs;
}

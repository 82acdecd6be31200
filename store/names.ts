/**
 * Model names as Ollama users type them (`qwen3:0.6b`, `tiny`): a checked grammar, so a name can
 * never reach the file system as a path (`../`, `/`, `%2F`, absolute paths, 10 kB names).
 * @module
 */

/** Thrown for a name outside the grammar; the message says what was expected. */
export class InvalidModelNameError extends Error {
  constructor(name: string, reason: string) {
    const shown = name.length > 80 ? `${name.slice(0, 80)}… (${name.length} chars)` : name;
    super(
      `invalid model name ${JSON.stringify(shown)}: ${reason}; expected NAME or NAME:TAG ` +
        "of letters, digits, '.', '_' and '-' (at most 80 each)",
    );
    this.name = "InvalidModelNameError";
  }
}

const PART = /^[a-z0-9][a-z0-9._-]{0,79}$/;

/** A parsed name: `model` and `tag` (`latest` when none was given). */
export interface ModelName {
  readonly model: string;
  readonly tag: string;
}

/** Parses and normalizes (lower case) a model name; throws InvalidModelNameError. */
export function parseModelName(name: string): ModelName {
  if (name.length === 0) throw new InvalidModelNameError(name, "it is empty");
  if (name.length > 161) throw new InvalidModelNameError(name, "it is too long");
  const lower = name.toLowerCase();
  if (/[\/\\%]/.test(lower)) throw new InvalidModelNameError(name, "it contains a path character");
  const parts = lower.split(":");
  if (parts.length > 2) throw new InvalidModelNameError(name, "it has more than one ':'");
  const [model, tag = "latest"] = parts;
  for (const part of [model, tag]) {
    if (!PART.test(part) || part.includes("..")) {
      throw new InvalidModelNameError(name, `"${part}" is not a valid part`);
    }
  }
  return { model, tag };
}

/** The canonical text of a name: `model:tag`. */
export function formatModelName(name: ModelName): string {
  return `${name.model}:${name.tag}`;
}

/** Whether `name` fits the grammar. */
export function isValidModelName(name: string): boolean {
  try {
    parseModelName(name);
    return true;
  } catch {
    return false;
  }
}

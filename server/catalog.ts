/**
 * The models the server can serve: the embedded default model, models given on the command
 * line by path, and every model in the store. Names are checked against the grammar before any
 * file-system access (400 for `../`, `/`, `%2F`, absolute paths, overlong names).
 * @module
 */
import {
  formatModelName,
  InvalidModelNameError,
  type ModelStore,
  parseModelName,
} from "../store/mod.ts";
import { InvalidRequestError } from "./errors.ts";
import type { ModelCatalog, ModelSource } from "./models.ts";

/** The embedded tiny model, always available, loaded with the spec `default`. */
export const EMBEDDED_MODEL: ModelSource = {
  name: "default:latest",
  spec: "default",
  size: 0,
  format: "embedded",
  modifiedAt: new Date(0),
};

/** Canonical `model:tag` for a client-supplied name; a 400 naming `model` when invalid. */
export function canonicalModelName(name: string): string {
  try {
    return formatModelName(parseModelName(name));
  } catch (error) {
    if (error instanceof InvalidModelNameError) {
      throw new InvalidRequestError(error.message, "model");
    }
    throw error;
  }
}

/** A catalog over the store plus fixed sources (the embedded model, paths from the CLI). */
export class StoreCatalog implements ModelCatalog {
  readonly #store: ModelStore | null;
  #fixed: ModelSource[];

  constructor(store: ModelStore | null, fixed: readonly ModelSource[] = [EMBEDDED_MODEL]) {
    this.#store = store;
    this.#fixed = [...fixed];
  }

  /** Adds a fixed source (e.g. `up --model ./file.gguf`). */
  add(source: ModelSource): void {
    this.#fixed = this.#fixed.filter((s) => s.name !== source.name);
    this.#fixed.push(source);
  }

  async resolve(name: string): Promise<ModelSource | null> {
    const canonical = canonicalModelName(name);
    const fixed = this.#fixed.find((s) => s.name === canonical);
    if (fixed) return fixed;
    const stored = await this.#store?.get(canonical);
    if (!stored) return null;
    const main = stored.manifest.files.find((f) => f.path === stored.manifest.entry) ??
      stored.manifest.files[0];
    return {
      name: stored.name,
      spec: stored.path,
      size: stored.size,
      digest: main.sha256,
      format: stored.manifest.format,
      modifiedAt: new Date(stored.manifest.storedAt),
    };
  }

  async list(): Promise<ModelSource[]> {
    const stored = (await this.#store?.list()) ?? [];
    const fromStore = await Promise.all(stored.map((s) => this.resolve(s.name)));
    const all = [...this.#fixed, ...fromStore.filter((s): s is ModelSource => s !== null)];
    return all.filter((s, i) => all.findIndex((o) => o.name === s.name) === i);
  }
}

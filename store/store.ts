/**
 * Models on disk: `models/<model>/<tag>/` holds the files and `manifest.json`; names map to
 * paths only through the name grammar. New models are assembled in `models/.partial/` and moved
 * in with one rename, so a model is either complete or absent.
 * @module
 */
import { join } from "node:path";
import { type Manifest, readManifest, validateManifest } from "./manifest.ts";
import { formatModelName, parseModelName } from "./names.ts";
import { sha256File } from "./hash.ts";

/** A model in the store. */
export interface StoredModel {
  /** Canonical `model:tag`. */
  readonly name: string;
  /** Its folder. */
  readonly dir: string;
  /** What to give the engine's `loadModel`: the GGUF file, or the folder for safetensors. */
  readonly path: string;
  readonly manifest: Manifest;
  /** Total bytes of its files. */
  readonly size: number;
}

/** Thrown when a model is not in the store. */
export class ModelNotStoredError extends Error {
  constructor(name: string) {
    super(`model "${name}" is not in the store; pull it first: synapse pull ${name}`);
    this.name = "ModelNotStoredError";
  }
}

const MANIFEST = "manifest.json";
const PARTIAL = ".partial";

/** The models folder of one SYNAPSE_HOME. */
export class ModelStore {
  /** The `models/` folder. */
  readonly root: string;

  constructor(modelsDir: string) {
    this.root = modelsDir;
  }

  /** The folder a name lives in (whether or not it exists). Throws for invalid names. */
  dirOf(name: string): string {
    const { model, tag } = parseModelName(name);
    return join(this.root, model, tag);
  }

  /** A stored model by name, or null. Throws for invalid names and broken manifests. */
  async get(name: string): Promise<StoredModel | null> {
    const canonical = formatModelName(parseModelName(name));
    const dir = this.dirOf(name);
    let manifest: Manifest;
    try {
      manifest = await readManifest(join(dir, MANIFEST));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
    return this.#entry(canonical, dir, manifest);
  }

  /** A stored model by name; throws ModelNotStoredError when absent. */
  async require(name: string): Promise<StoredModel> {
    const found = await this.get(name);
    if (!found) throw new ModelNotStoredError(name);
    return found;
  }

  #entry(name: string, dir: string, manifest: Manifest): StoredModel {
    return {
      name,
      dir,
      path: manifest.entry === "." ? dir : join(dir, manifest.entry),
      manifest,
      size: manifest.files.reduce((sum, f) => sum + f.size, 0),
    };
  }

  /** Every stored model with a readable manifest, sorted by name. Broken entries are skipped. */
  async list(): Promise<StoredModel[]> {
    const found: StoredModel[] = [];
    for (const model of await subdirs(this.root)) {
      if (model.startsWith(".")) continue;
      for (const tag of await subdirs(join(this.root, model))) {
        const dir = join(this.root, model, tag);
        try {
          const name = formatModelName(parseModelName(`${model}:${tag}`));
          found.push(this.#entry(name, dir, await readManifest(join(dir, MANIFEST))));
        } catch {
          // Not a complete model (no manifest, or not ours): not listed.
        }
      }
    }
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Deletes a stored model; returns whether it existed. */
  async remove(name: string): Promise<boolean> {
    const dir = this.dirOf(name);
    try {
      await Deno.stat(join(dir, MANIFEST));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
    // Remove the manifest first: a crash mid-delete leaves an unlisted folder, not a broken model.
    await Deno.remove(join(dir, MANIFEST));
    await Deno.remove(dir, { recursive: true });
    const parent = join(dir, "..");
    if ((await subdirs(parent)).length === 0) await Deno.remove(parent).catch(() => {});
    return true;
  }

  /**
   * Re-hashes a stored model's files; returns one line per problem (missing file, wrong size,
   * sha256 mismatch), empty when every file matches its manifest.
   */
  async verify(model: StoredModel): Promise<string[]> {
    const problems: string[] = [];
    for (const file of model.manifest.files) {
      const path = join(model.dir, file.path);
      try {
        const info = await Deno.stat(path);
        if (info.size !== file.size) {
          problems.push(`${file.path}: expected ${file.size} bytes, found ${info.size}`);
        } else if ((await sha256File(path)) !== file.sha256) {
          problems.push(`${file.path}: sha256 differs from the manifest`);
        }
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        problems.push(`${file.path}: missing`);
      }
    }
    return problems;
  }

  /** The folder where a pull of `name` assembles its files (kept across runs to resume). */
  stagingDir(name: string): string {
    const { model, tag } = parseModelName(name);
    return join(this.root, PARTIAL, `${model}@${tag}`);
  }

  /**
   * Moves a fully downloaded and verified staging folder into place with its manifest, replacing
   * any older copy. The manifest is written last inside the staging folder, then one rename
   * publishes the whole model.
   */
  async install(staging: string, manifest: Manifest): Promise<StoredModel> {
    validateManifest(manifest);
    const dir = this.dirOf(manifest.name);
    await Deno.writeTextFile(join(staging, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
    await Deno.mkdir(join(dir, ".."), { recursive: true });
    const old = `${staging}.old`;
    let replaced = false;
    try {
      await Deno.rename(dir, old);
      replaced = true;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    await Deno.rename(staging, dir);
    if (replaced) await Deno.remove(old, { recursive: true });
    return this.#entry(manifest.name, dir, manifest);
  }
}

async function subdirs(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(path)) {
      if (entry.isDirectory) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names;
}

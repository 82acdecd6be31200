/**
 * Opens a Hugging Face model folder's weights: one `model.safetensors`, or the shards named by
 * `model.safetensors.index.json`, merged into one tensor map over open file handles.
 * @module
 */
import { openFileSource } from "./byte_source.ts";
import { ModelFormatError } from "./errors.ts";
import { readSafetensors } from "./safetensors.ts";
import type { ByteSource, TensorEntry } from "./types.ts";

/** The weights of a model folder; keep it open while tensors are read, then `close()`. */
export interface SafetensorsModel {
  /** Every tensor of the model, from whichever shard holds it. */
  readonly tensors: Map<string, TensorEntry>;
  /** `__metadata__` of the shards, merged. */
  readonly metadata: Record<string, string>;
  /** The weight files opened, relative to the folder. */
  readonly files: readonly string[];
  /** Closes every shard. Idempotent. */
  close(): void;
}

const SINGLE_FILE = "model.safetensors";
const INDEX_FILE = "model.safetensors.index.json";

/**
 * Opens the safetensors weights in `dir` (sharded when an index file is present).
 * Throws ModelFormatError when neither file exists, the index is malformed or names a shard
 * file outside the folder, or a shard lacks a tensor the index places in it.
 *
 * @example
 * ```ts ignore
 * const model = await openSafetensorsModel("/models/tiny-qwen3");
 * const embed = model.tensors.get("model.embed_tokens.weight")!; // BF16 [151936, 128]
 * model.close();
 * ```
 */
export async function openSafetensorsModel(dir: string): Promise<SafetensorsModel> {
  const folder = dir.replace(/\/+$/, "");
  const indexPath = `${folder}/${INDEX_FILE}`;
  if (await isFile(indexPath)) return await openSharded(folder, indexPath);
  if (await isFile(`${folder}/${SINGLE_FILE}`)) {
    return await openShards(folder, [SINGLE_FILE], null);
  }
  throw new ModelFormatError(folder, `no ${SINGLE_FILE} or ${INDEX_FILE} in this folder`);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function openSharded(folder: string, indexPath: string): Promise<SafetensorsModel> {
  let index: unknown;
  try {
    index = JSON.parse(await Deno.readTextFile(indexPath));
  } catch (error) {
    throw new ModelFormatError(indexPath, `not valid JSON: ${(error as Error).message}`);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== "object" || weightMap === null || Array.isArray(weightMap)) {
    throw new ModelFormatError(
      indexPath,
      `expected a "weight_map" object of tensor name → shard file`,
    );
  }
  const placement = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== "string" || !isPlainFileName(shard)) {
      throw new ModelFormatError(
        indexPath,
        `weight_map puts "${tensor}" in ${
          JSON.stringify(shard)
        }; expected a file name in this folder`,
      );
    }
    placement.set(tensor, shard);
  }
  return await openShards(folder, [...new Set(placement.values())], placement);
}

async function openShard(folder: string, file: string, sharded: boolean): Promise<ByteSource> {
  try {
    return await openFileSource(`${folder}/${file}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const where = sharded ? `${folder}/${INDEX_FILE}` : folder;
    throw new ModelFormatError(where, `names the weight file ${file}, which does not exist`, {
      cause: error,
    });
  }
}

/** A shard name must stay inside the folder: no separators, no `..`, nothing hidden. */
function isPlainFileName(name: string): boolean {
  return name.length > 0 && !/[/\\\0]/.test(name) && !name.startsWith(".");
}

async function openShards(
  folder: string,
  files: string[],
  placement: Map<string, string> | null,
): Promise<SafetensorsModel> {
  const sources: ByteSource[] = [];
  const close = () => sources.forEach((source) => source.close());
  try {
    const tensors = new Map<string, TensorEntry>();
    const metadata: Record<string, string> = {};
    const shards = new Map<string, Map<string, TensorEntry>>();
    for (const file of files) {
      const source = await openShard(folder, file, placement !== null);
      sources.push(source);
      const shard = await readSafetensors(source);
      shards.set(file, shard.tensors);
      Object.assign(metadata, shard.metadata);
    }
    if (placement === null) {
      for (const [name, entry] of shards.get(files[0])!) tensors.set(name, entry);
    } else {
      for (const [name, file] of placement) {
        const entry = shards.get(file)!.get(name);
        if (!entry) {
          throw new ModelFormatError(
            `${folder}/${INDEX_FILE}`,
            `weight_map puts "${name}" in ${file}, but that shard has no such tensor`,
          );
        }
        tensors.set(name, entry);
      }
    }
    return { tensors, metadata, files, close };
  } catch (error) {
    close();
    throw error;
  }
}

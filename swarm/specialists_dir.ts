/**
 * `up --specialists DIR`: every sub-folder holding a PEFT or GGUF LoRA adapter becomes a
 * specialist named after the folder, described by its `specialist.yaml` or `README.md` if present.
 * @module
 */
import { join } from "node:path";
import { parse as parseYaml } from "npm:yaml@2.9.1";
import { SpecialistConfigError } from "./errors.ts";
import { isSpecialistName, parseSpecialistConfig, type SpecialistConfig } from "./specialist.ts";

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** The adapter inside `folder`: the folder itself (PEFT) or its one `.gguf` file, else null. */
async function findAdapter(folder: string): Promise<string | null> {
  const peft = await isFile(join(folder, "adapter_config.json")) &&
    await isFile(join(folder, "adapter_model.safetensors"));
  if (peft) return folder;
  const ggufs: string[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (entry.isFile && entry.name.toLowerCase().endsWith(".gguf")) ggufs.push(entry.name);
  }
  ggufs.sort();
  return ggufs.length > 0 ? join(folder, ggufs[0]) : null;
}

/** YAML front matter of a README (`---` ... `---`), or a `Cues: a, b` line, as raw fields. */
function readmeFields(text: string): Record<string, unknown> {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  if (front) {
    const parsed = parseYaml(front[1]);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  }
  const fields: Record<string, unknown> = {};
  const cues = /^\s*(?:cues|keywords)\s*:\s*(.+)$/im.exec(text);
  if (cues) fields.cues = cues[1];
  const heading = /^#\s+(.+)$/m.exec(text);
  const firstParagraph = text.replace(/^#.*$/gm, "").trim().split(/\r?\n\r?\n/)[0]?.trim();
  if (firstParagraph && !/^\s*(?:cues|keywords)\s*:/i.test(firstParagraph)) {
    fields.description = firstParagraph;
  } else if (heading) {
    fields.description = heading[1].trim();
  }
  return fields;
}

/** Raw description fields from `specialist.yaml`, `specialist.json` or `README.md`. */
async function describedFields(folder: string): Promise<Record<string, unknown>> {
  for (const file of ["specialist.yaml", "specialist.yml", "specialist.json"]) {
    const path = join(folder, file);
    if (!await isFile(path)) continue;
    const parsed = parseYaml(await Deno.readTextFile(path));
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new SpecialistConfigError(`${path}: expected a mapping of specialist fields`);
    }
    return parsed as Record<string, unknown>;
  }
  for (const file of ["README.md", "README", "readme.md"]) {
    const path = join(folder, file);
    if (await isFile(path)) return readmeFields(await Deno.readTextFile(path));
  }
  return {};
}

/**
 * Specialists for every sub-folder of `dir` that holds an adapter, sorted by name. The folder
 * name is the specialist name (a name given in its description file is ignored).
 *
 * @example
 * ```ts
 * const specialists = await specialistsFromDir("/home/me/.synapse/adapters");
 * ```
 */
export async function specialistsFromDir(dir: string): Promise<SpecialistConfig[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory && isSpecialistName(entry.name)) names.push(entry.name);
  }
  names.sort();
  const specialists: SpecialistConfig[] = [];
  for (const name of names) {
    const folder = join(dir, name);
    const adapter = await findAdapter(folder);
    if (!adapter) continue;
    const fields = await describedFields(folder);
    specialists.push(
      parseSpecialistConfig({ ...fields, name, adapter, endpoint: undefined }, folder),
    );
  }
  return specialists;
}

/**
 * Reads LoRA adapters into `LoraWeights`: PEFT folders (`adapter_config.json` +
 * `adapter_model.safetensors`) and llama.cpp GGUF LoRA files (`*.lora_a` / `*.lora_b`).
 * @module
 */
import { dequantizeRow } from "../../kernels/mod.ts";
import {
  ModelFormatError,
  openFileSource,
  readGguf,
  readSafetensors,
  type TensorEntry,
} from "../formats/mod.ts";
import { canonicalTensorName, type ModelConfig } from "../model/config.ts";
import { LORA_MODULES, loraDims, type LoraModule, type LoraWeights } from "./pool.ts";

const GGUF_MODULE: Record<string, LoraModule> = {
  attn_q: "q",
  attn_k: "k",
  attn_v: "v",
  attn_output: "o",
  ffn_gate: "gate",
  ffn_up: "up",
  ffn_down: "down",
};

/** Loads the adapter at `path` (PEFT folder or GGUF file) for a model of `config`. */
export async function loadLora(path: string, config: ModelConfig): Promise<LoraWeights> {
  const stat = await Deno.stat(path).catch(() => null);
  if (!stat) throw new ModelFormatError(path, "adapter not found");
  if (stat.isDirectory) return await loadPeft(path, config);
  return await loadGgufLora(path, config);
}

async function loadPeft(dir: string, config: ModelConfig): Promise<LoraWeights> {
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(await Deno.readTextFile(`${dir}/adapter_config.json`));
  } catch (e) {
    throw new ModelFormatError(`${dir}/adapter_config.json`, (e as Error).message);
  }
  if (cfg.peft_type !== undefined && cfg.peft_type !== "LORA") {
    throw new ModelFormatError(dir, `adapter type ${cfg.peft_type} is not LoRA`);
  }
  if (cfg.use_dora) throw new ModelFormatError(dir, "DoRA adapters are not supported");
  const weightsPath = `${dir}/adapter_model.safetensors`;
  const source = await openFileSource(weightsPath).catch(() => {
    throw new ModelFormatError(weightsPath, "adapter weights not found");
  });
  const file = await readSafetensors(source);
  const pairs = new Map<string, { a?: TensorEntry; b?: TensorEntry }>();
  for (const [name, t] of file.tensors) {
    const m = /^base_model\.model\.(.+)\.lora_([AB])(?:\.default)?\.weight$/.exec(name);
    if (!m) continue;
    const canon = canonicalTensorName(`${m[1]}.weight`);
    const key = canon && moduleKey(canon);
    if (!key) throw new ModelFormatError(dir, `adapter tensor ${name} targets an unknown module`);
    const e = pairs.get(key) ?? {};
    if (m[2] === "A") e.a = t;
    else e.b = t;
    pairs.set(key, e);
  }
  const alpha = Number(cfg.lora_alpha ?? cfg.r);
  return await assemble(
    dir,
    pairs,
    config,
    (r) => cfg.use_rslora ? alpha / Math.sqrt(r) : alpha / r,
  );
}

async function loadGgufLora(path: string, config: ModelConfig): Promise<LoraWeights> {
  const source = await openFileSource(path);
  try {
    const g = await readGguf(source);
    if (g.metadata.get("adapter.type") !== "lora") {
      throw new ModelFormatError(path, 'not a LoRA adapter (adapter.type is not "lora")');
    }
    const pairs = new Map<string, { a?: TensorEntry; b?: TensorEntry }>();
    for (const [name, t] of g.tensors) {
      const m = /^(.+)\.lora_([ab])$/.exec(name);
      const key = m && moduleKey(m[1]);
      if (!m || !key) {
        throw new ModelFormatError(path, `adapter tensor ${name} targets an unknown module`);
      }
      const e = pairs.get(key) ?? {};
      if (m[2] === "a") e.a = t;
      else e.b = t;
      pairs.set(key, e);
    }
    const alpha = Number(g.metadata.get("adapter.lora.alpha") ?? 0);
    return await assemble(path, pairs, config, (r) => (alpha > 0 ? alpha / r : 1));
  } finally {
    source.close();
  }
}

/** `blk.3.attn_q.weight` → `"3.q"`. */
function moduleKey(canonical: string): string | undefined {
  const m = /^blk\.(\d+)\.(\w+)\.weight$/.exec(canonical);
  const mod = m && GGUF_MODULE[m[2]];
  return mod ? `${m[1]}.${mod}` : undefined;
}

async function assemble(
  file: string,
  pairs: Map<string, { a?: TensorEntry; b?: TensorEntry }>,
  config: ModelConfig,
  scaleFor: (rank: number) => number,
): Promise<LoraWeights> {
  const matrices = new Map<string, { a: Float32Array; b: Float32Array }>();
  let rank = 0;
  for (const [key, { a, b }] of pairs) {
    if (!a || !b) throw new ModelFormatError(file, `adapter module ${key} lacks its A or B matrix`);
    const [layer, mod] = key.split(".") as [string, LoraModule];
    if (Number(layer) >= config.layers || !LORA_MODULES.includes(mod)) {
      throw new ModelFormatError(file, `adapter module ${key} does not exist in this model`);
    }
    const { inF, outF } = loraDims(config, mod);
    const r = a.shape[0];
    if (a.shape[1] !== inF || b.shape[0] !== outF || b.shape[1] !== r) {
      throw new ModelFormatError(
        file,
        `adapter module ${key}: A [${a.shape}] and B [${b.shape}] do not fit [${outF}, ${inF}]`,
      );
    }
    if (rank && r !== rank) {
      throw new ModelFormatError(file, `adapter mixes ranks ${rank} and ${r}`);
    }
    rank = r;
    matrices.set(key, {
      a: dequantizeRow(a.type, await a.read(), r * inF),
      b: dequantizeRow(b.type, await b.read(), outF * r),
    });
  }
  if (!rank) throw new ModelFormatError(file, "adapter has no LoRA matrices");
  return { rank, scale: scaleFor(rank), matrices };
}

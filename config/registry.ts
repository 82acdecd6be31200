/**
 * The pull registry: short model names (`qwen3:0.6b`) mapped to a Hugging Face repo and the
 * files to fetch from it. `config.yaml`'s `registry:` section adds entries or replaces these.
 * @module
 */

/** Where one pullable model lives on the hub. */
export interface RegistryEntry {
  /** `owner/name` on the hub. */
  readonly repo: string;
  /** Branch, tag or commit (default `main`). */
  readonly revision: string;
  /** File names or `*` patterns in the repo, e.g. `Qwen3-0.6B-Q8_0.gguf` or `*.safetensors`. */
  readonly files: readonly string[];
}

/** The built-in names. GGUF builds where the publisher ships one; one safetensors example. */
export const BUILTIN_REGISTRY: Readonly<Record<string, RegistryEntry>> = {
  "qwen2.5:0.5b": {
    repo: "Qwen/Qwen2.5-0.5B-Instruct-GGUF",
    revision: "main",
    files: ["qwen2.5-0.5b-instruct-q8_0.gguf"],
  },
  "qwen2.5:1.5b": {
    repo: "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
    revision: "main",
    files: ["qwen2.5-1.5b-instruct-q8_0.gguf"],
  },
  "qwen2.5:3b": {
    repo: "Qwen/Qwen2.5-3B-Instruct-GGUF",
    revision: "main",
    files: ["qwen2.5-3b-instruct-q4_k_m.gguf"],
  },
  "qwen3:0.6b": {
    repo: "Qwen/Qwen3-0.6B-GGUF",
    revision: "main",
    files: ["Qwen3-0.6B-Q8_0.gguf"],
  },
  "qwen3:1.7b": {
    repo: "Qwen/Qwen3-1.7B-GGUF",
    revision: "main",
    files: ["Qwen3-1.7B-Q8_0.gguf"],
  },
  "qwen3:4b": {
    repo: "Qwen/Qwen3-4B-GGUF",
    revision: "main",
    files: ["Qwen3-4B-Q4_K_M.gguf"],
  },
  "qwen3:0.6b-bf16": {
    repo: "Qwen/Qwen3-0.6B",
    revision: "main",
    files: [
      "config.json",
      "generation_config.json",
      "model.safetensors",
      "tokenizer.json",
      "tokenizer_config.json",
    ],
  },
};

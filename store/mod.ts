/**
 * The model store: models on disk under SYNAPSE_HOME/models, one folder and manifest (with
 * sha256 per file) per model, names mapped to paths through a checked grammar.
 * @module
 */
export { ModelNotStoredError, ModelStore } from "./store.ts";
export type { StoredModel } from "./store.ts";
export { ManifestError, readManifest, validateManifest } from "./manifest.ts";
export type { Manifest, ManifestFile } from "./manifest.ts";
export {
  formatModelName,
  InvalidModelNameError,
  isValidModelName,
  parseModelName,
} from "./names.ts";
export type { ModelName } from "./names.ts";
export { sha256File } from "./hash.ts";

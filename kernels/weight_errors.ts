/**
 * Errors raised by the weight codecs (CPU references, quantizers and WGSL decoders) when asked
 * for an encoding they do not implement or given bytes that do not fit its block layout.
 * @module
 */
import { ggmlTypeName } from "./ggml_types.ts";

/** An encoding that the requested operation does not implement. */
export class UnsupportedWeightTypeError extends Error {
  /** The ggml type id that was asked for. */
  readonly type: number;

  /**
   * @param type the ggml type id that was asked for
   * @param operation what was attempted, e.g. `"quantize"`
   * @param supported names of the encodings the operation does implement
   */
  constructor(type: number, operation: string, supported: readonly string[]) {
    super(`${operation} supports ${supported.join(", ")}; found ${ggmlTypeName(type)}`);
    this.name = "UnsupportedWeightTypeError";
    this.type = type;
  }
}

/** Element counts, byte lengths or offsets that do not fit an encoding's block layout. */
export class WeightLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WeightLayoutError";
  }
}

/** Input values that cannot be encoded (NaN or infinity where a finite weight was expected). */
export class WeightValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WeightValueError";
  }
}

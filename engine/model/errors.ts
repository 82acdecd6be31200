/** Errors of generation requests. @module */

/** A request or argument the model cannot serve, or a generation that failed on the device. */
export class GenerateError extends Error {
  override name = "GenerateError";
}

/**
 * The kernels' public face: the ggml type table shared with the file readers, and (added by
 * their owners) the WGSL kernels with their reference implementations.
 * @module
 */
export * from "./ggml_types.ts";

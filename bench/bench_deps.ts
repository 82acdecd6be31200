/** What the benchmarks use from lower layers, in one place. @module */
export { GgmlType } from "../kernels/mod.ts";
export { writeGguf } from "../engine/formats/mod.ts";

/**
 * Configuration: SYNAPSE_HOME and its layout, `config.yaml` with documented defaults, and the
 * environment overrides.
 * @module
 */
export { homeLayout, HomeNotFoundError, resolveHome } from "./home.ts";
export type { HomeLayout } from "./home.ts";

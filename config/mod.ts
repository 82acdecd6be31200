/**
 * Configuration: SYNAPSE_HOME and its layout, the settings table, `config.yaml` with documented
 * defaults (created on first run), environment and flag overrides, and the pull registry.
 * @module
 */
export { homeLayout, HomeNotFoundError, resolveHome } from "./home.ts";
export type { HomeLayout } from "./home.ts";
export { CLI_SWITCHES, cliSwitch, settingByKey, SETTINGS } from "./settings.ts";
export type { CliSwitch, Setting, SettingType, SettingValue } from "./settings.ts";
export { ConfigError, valueFromText } from "./values.ts";
export { DurationSyntaxError, formatDuration, parseDuration } from "./duration.ts";
export { defaultConfigText } from "./default_file.ts";
export { loadConfig, parseConfigText, resolveConfig } from "./load.ts";
export type { Config, ConfigSources, HubConfig, ModelsConfig, ServerConfig } from "./load.ts";
export { BUILTIN_REGISTRY } from "./registry.ts";
export type { RegistryEntry } from "./registry.ts";

/**
 * The `config.yaml` written on first run: every setting at its default, each with its doc line,
 * flag and variable, generated from the settings table so the file and the code never disagree.
 * @module
 */
import { formatDuration } from "./duration.ts";
import { type Setting, SETTINGS, type SettingValue } from "./settings.ts";

function yamlValue(setting: Setting, value: SettingValue): string {
  if (setting.type === "duration") return JSON.stringify(formatDuration(value as number));
  return JSON.stringify(value);
}

function origin(setting: Setting): string {
  const parts = [setting.flag ? `--${setting.flag}` : "", setting.env, setting.altEnv ?? ""];
  return parts.filter((p) => p).join(", ");
}

/** The text of a fresh `config.yaml`. */
export function defaultConfigText(): string {
  const lines = [
    "# synapse configuration, created on first run. Every key is optional: delete one to get",
    "# its default back. Precedence: command-line flag > environment variable > this file >",
    "# built-in default. Unknown keys are errors, so typos do not pass silently.",
  ];
  let section = "";
  for (const setting of SETTINGS) {
    const [head, name] = setting.key.split(".");
    if (head !== section) {
      section = head;
      lines.push("", `${head}:`);
    }
    lines.push(`  # ${setting.doc}.`, `  # Overridden by ${origin(setting)}.`);
    lines.push(`  ${name}: ${yamlValue(setting, setting.default)}`);
  }
  lines.push(
    "",
    "# Names for `synapse pull`, added to or replacing the built-in ones (qwen3:0.6b, ...):",
    "# registry:",
    "#   my-model:",
    "#     repo: owner/repo-name        # on the hub",
    "#     revision: main               # branch, tag or commit",
    '#     files: ["*.gguf"]            # names or * patterns',
    "registry: {}",
    "",
  );
  return lines.join("\n");
}

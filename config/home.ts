/**
 * Where synapse keeps its state: `SYNAPSE_HOME`, else `~/.synapse`, and the fixed layout inside.
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";

/** Thrown when no home folder can be determined. */
export class HomeNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HomeNotFoundError";
  }
}

/**
 * The absolute SYNAPSE_HOME for these environment variables: `SYNAPSE_HOME` (a relative value
 * is taken from the current directory), else `$HOME/.synapse` (`%USERPROFILE%` on Windows).
 */
export function resolveHome(vars: Readonly<Record<string, string | undefined>>): string {
  const explicit = vars.SYNAPSE_HOME?.trim();
  if (explicit) return isAbsolute(explicit) ? explicit : resolve(explicit);
  const user = vars.HOME ?? vars.USERPROFILE;
  if (!user) {
    throw new HomeNotFoundError(
      "cannot find a home folder: expected SYNAPSE_HOME or HOME to be set, found neither",
    );
  }
  return join(user, ".synapse");
}

/** The files and folders inside a SYNAPSE_HOME. */
export interface HomeLayout {
  readonly root: string;
  readonly configFile: string;
  readonly modelsDir: string;
  readonly adaptersDir: string;
  readonly databaseFile: string;
  readonly bundlesDir: string;
}

/** The layout of the home at `root`. */
export function homeLayout(root: string): HomeLayout {
  return {
    root,
    configFile: join(root, "config.yaml"),
    modelsDir: join(root, "models"),
    adaptersDir: join(root, "adapters"),
    databaseFile: join(root, "synapse.db"),
    bundlesDir: join(root, "bundles"),
  };
}

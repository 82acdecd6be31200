/**
 * The swarm's specialists by name, in configuration order, with their adapters registered in the
 * pool and a client for each remote one.
 * @module
 */
import type { AdapterPool } from "./adapter_pool.ts";
import { CloudClient } from "./cloud.ts";
import { SpecialistConfigError, UnknownSpecialistError } from "./errors.ts";
import { parseSpecialistConfig, type SpecialistConfig } from "./specialist.ts";

/** Named specialists; adding or updating one re-registers its adapter (a new path hot-swaps). */
export class SpecialistRegistry {
  readonly #byName = new Map<string, SpecialistConfig>();
  readonly #clients = new Map<string, CloudClient>();

  constructor(private readonly pool: AdapterPool, specialists: readonly SpecialistConfig[]) {
    for (const s of specialists) this.add(s);
  }

  /** Every specialist, in the order added. */
  list(): SpecialistConfig[] {
    return [...this.#byName.values()];
  }

  /** Names, in the order added. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The specialist called `name`; throws `UnknownSpecialistError`. */
  get(name: string): SpecialistConfig {
    const found = this.#byName.get(name);
    if (!found) throw new UnknownSpecialistError(name, this.names());
    return found;
  }

  /** The client of a remote specialist. */
  client(name: string): CloudClient {
    const client = this.#clients.get(name);
    if (!client) throw new SpecialistConfigError(`specialist "${name}" has no endpoint`);
    return client;
  }

  /** Adds a specialist; throws `SpecialistConfigError` when the name is taken. */
  add(config: SpecialistConfig): SpecialistConfig {
    const checked = parseSpecialistConfig(config, `specialist "${config.name}"`);
    if (this.#byName.has(checked.name)) {
      throw new SpecialistConfigError(`a specialist named "${checked.name}" already exists`);
    }
    this.#install(checked);
    return checked;
  }

  /** Replaces the definition of an existing specialist (e.g. its adapter was trained). */
  update(config: SpecialistConfig): SpecialistConfig {
    this.get(config.name);
    const checked = parseSpecialistConfig(config, `specialist "${config.name}"`);
    this.#install(checked);
    return checked;
  }

  /** Removes a specialist and unloads its adapter. */
  remove(name: string): void {
    this.get(name);
    this.#byName.delete(name);
    this.#clients.delete(name);
    this.pool.unregister(name);
  }

  #install(config: SpecialistConfig): void {
    this.#byName.set(config.name, config);
    this.#clients.delete(config.name);
    if (config.endpoint) this.#clients.set(config.name, new CloudClient(config.endpoint));
    if (config.adapter) this.pool.register(config.name, config.adapter);
    else this.pool.unregister(config.name);
  }
}

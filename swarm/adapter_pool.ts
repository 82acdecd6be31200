/**
 * The adapter pool: keeps at most N specialists' LoRA adapters resident on the device (least
 * recently used leaves first) and hot-swaps an adapter whose files changed: the new version loads
 * under a new name in the background while requests keep using the old one, then takes its place.
 * @module
 */
import { join } from "node:path";

/** What the pool loads adapters into: the engine's `Model` fits. */
export interface AdapterHost {
  loadAdapter(name: string, path: string): Promise<void>;
  unloadAdapter(name: string): void;
}

/** Pool limits and timing. */
export interface AdapterPoolOptions {
  /** Most adapters resident at once (default 8); a hot swap may hold one more briefly. */
  capacity?: number;
  /** Least milliseconds between two checks of one adapter's files (default 1000). */
  checkIntervalMs?: number;
  /** Told about a failed background reload (the old version stays in use). */
  onError?: (specialist: string, error: unknown) => void;
}

/** The right to use one adapter version until `release()`. */
export interface AdapterLease {
  /** The name to pass as `GenerateRequest.adapter`. */
  adapter: string;
  release(): void;
}

interface Entry {
  path: string;
  version: number;
  loaded: string | null;
  fingerprint: string | null;
  loading: Promise<string> | null;
  swapping: boolean;
  lastUsed: number;
  lastCheck: number;
  inUse: Map<string, number>;
}

/** mtime and size of the files an adapter path stands for (PEFT folder or single file). */
export async function adapterFingerprint(path: string): Promise<string> {
  const info = await Deno.stat(path);
  const files = info.isDirectory
    ? [join(path, "adapter_config.json"), join(path, "adapter_model.safetensors")]
    : [path];
  const parts: string[] = [];
  for (const file of files) {
    const s = await Deno.stat(file);
    parts.push(`${s.mtime?.getTime() ?? 0}:${s.size}`);
  }
  return parts.join("|");
}

/** LRU pool of resident adapters with background hot-swap. */
export class AdapterPool {
  readonly #entries = new Map<string, Entry>();
  readonly #capacity: number;
  readonly #interval: number;
  readonly #onError: (specialist: string, error: unknown) => void;
  #clock = 0;
  #swaps = new Set<Promise<void>>();

  constructor(private readonly host: AdapterHost, options: AdapterPoolOptions = {}) {
    this.#capacity = options.capacity ?? 8;
    if (!Number.isInteger(this.#capacity) || this.#capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, found ${this.#capacity}`);
    }
    this.#interval = options.checkIntervalMs ?? 1000;
    this.#onError = options.onError ?? (() => {});
  }

  /** Makes `specialist`'s adapter at `path` available (a new path counts as a change). */
  register(specialist: string, path: string): void {
    const entry = this.#entries.get(specialist);
    if (entry) {
      if (entry.path !== path) {
        entry.path = path;
        entry.fingerprint = null;
        entry.lastCheck = -Infinity;
      }
      return;
    }
    this.#entries.set(specialist, {
      path,
      version: 0,
      loaded: null,
      fingerprint: null,
      loading: null,
      swapping: false,
      lastUsed: 0,
      lastCheck: -Infinity,
      inUse: new Map(),
    });
  }

  /** Forgets `specialist` and unloads its adapter. */
  unregister(specialist: string): void {
    const entry = this.#entries.get(specialist);
    if (!entry) return;
    this.#entries.delete(specialist);
    if (entry.loaded) this.host.unloadAdapter(entry.loaded);
  }

  /** Specialists whose adapters are resident, least recently used first. */
  residents(): string[] {
    return [...this.#entries.entries()]
      .filter(([, e]) => e.loaded)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed)
      .map(([name]) => name);
  }

  /**
   * The resident version of `specialist`'s adapter, loading it first when it is not resident.
   * Never waits for a hot swap: while one runs, the old version is handed out.
   */
  async acquire(specialist: string): Promise<AdapterLease> {
    const entry = this.#entries.get(specialist);
    if (!entry) throw new RangeError(`no adapter registered for specialist "${specialist}"`);
    entry.lastUsed = ++this.#clock;
    let adapter = entry.loaded;
    if (adapter) {
      this.#maybeCheck(specialist, entry);
    } else {
      entry.loading ??= this.#coldLoad(specialist, entry).finally(() => entry.loading = null);
      adapter = await entry.loading;
    }
    entry.inUse.set(adapter, (entry.inUse.get(adapter) ?? 0) + 1);
    let released = false;
    return {
      adapter,
      release: () => {
        if (released) return;
        released = true;
        const n = (entry.inUse.get(adapter!) ?? 1) - 1;
        if (n > 0) entry.inUse.set(adapter!, n);
        else entry.inUse.delete(adapter!);
      },
    };
  }

  /** Checks every resident adapter's files now and waits for the resulting swaps. */
  async refresh(): Promise<void> {
    for (const [name, entry] of this.#entries) {
      if (entry.loaded) this.#maybeCheck(name, entry, true);
    }
    while (this.#swaps.size > 0) await Promise.all([...this.#swaps]);
  }

  async #coldLoad(specialist: string, entry: Entry): Promise<string> {
    this.#evictFor(specialist);
    const fingerprint = await adapterFingerprint(entry.path);
    const name = `${specialist}@${++entry.version}`;
    await this.host.loadAdapter(name, entry.path);
    entry.loaded = name;
    entry.fingerprint = fingerprint;
    entry.lastCheck = performance.now();
    return name;
  }

  #evictFor(specialist: string): void {
    const resident = [...this.#entries.entries()].filter(([n, e]) => e.loaded && n !== specialist);
    while (resident.length >= this.#capacity) {
      resident.sort((a, b) =>
        (a[1].inUse.size > 0 ? 1 : 0) - (b[1].inUse.size > 0 ? 1 : 0) ||
        a[1].lastUsed - b[1].lastUsed
      );
      const [, victim] = resident.shift()!;
      this.host.unloadAdapter(victim.loaded!);
      victim.loaded = null;
    }
  }

  #maybeCheck(specialist: string, entry: Entry, force = false): void {
    const now = performance.now();
    if (entry.swapping || (!force && now - entry.lastCheck < this.#interval)) return;
    entry.lastCheck = now;
    entry.swapping = true;
    const swap = this.#swapIfChanged(specialist, entry)
      .catch((error) => this.#onError(specialist, error))
      .finally(() => {
        entry.swapping = false;
        this.#swaps.delete(swap);
      });
    this.#swaps.add(swap);
  }

  async #swapIfChanged(specialist: string, entry: Entry): Promise<void> {
    const path = entry.path;
    const fingerprint = await adapterFingerprint(path);
    if (fingerprint === entry.fingerprint) return;
    const name = `${specialist}@${++entry.version}`;
    await this.host.loadAdapter(name, path);
    const current = this.#entries.get(specialist);
    if (current !== entry || entry.path !== path || !entry.loaded) {
      this.host.unloadAdapter(name);
      return;
    }
    const old = entry.loaded;
    entry.loaded = name;
    entry.fingerprint = fingerprint;
    this.host.unloadAdapter(old);
  }
}

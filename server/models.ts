/**
 * Which models are loaded: loads by name through an injected loader (one load per name at a
 * time), lends them to requests, unloads idle ones after their keep-alive (0 = at once,
 * negative = never), evicts the least recently used idle model when `maxLoaded` is reached, and
 * reports state for `/api/ps` and `/health`.
 * @module
 */
import type { Model } from "../engine/mod.ts";
import { ModelLoadError, ModelNotFoundError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { silentLogger } from "./log.ts";

/** A model the server can load. */
export interface ModelSource {
  /** Canonical name, e.g. `qwen3:0.6b` or `default:latest`. */
  name: string;
  /** What the loader gets: a GGUF path, an HF folder, or `default`. */
  spec: string;
  /** Bytes on disk (0 when embedded). */
  size: number;
  /** sha256 of the main file, when known. */
  digest?: string;
  format: "gguf" | "safetensors" | "embedded";
  modifiedAt: Date;
}

/** Where model names are looked up. */
export interface ModelCatalog {
  /** The source for a name, or null (an invalid name throws a 400). */
  resolve(name: string): Promise<ModelSource | null>;
  list(): Promise<ModelSource[]>;
}

/** Loads a model (the engine's `loadModel`). */
export type ModelLoader = (spec: string) => Promise<Model>;

/** A model lent to one request; `release` exactly once. */
export interface ModelLease {
  readonly model: Model;
  readonly source: ModelSource;
  /** Gives the model back; `keepAliveMs` overrides the default for this model from now on. */
  release(keepAliveMs?: number): void;
}

/** A loaded model, as `/api/ps` shows it. */
export interface LoadedModel {
  source: ModelSource;
  model: Model;
  /** Requests using it now. */
  active: number;
  /** When it will be unloaded if it stays idle; null = never (or busy). */
  expiresAt: Date | null;
  loadedAt: Date;
}

interface Entry {
  source: ModelSource;
  model: Model;
  active: number;
  keepAliveMs: number;
  lastUsed: number;
  loadedAt: Date;
  timer?: ReturnType<typeof setTimeout>;
  expiresAt: Date | null;
  /** Failed while generating: no longer lent, closed when its last request ends. */
  broken?: boolean;
}

/** Options for a ModelManager. */
export interface ModelManagerOptions {
  catalog: ModelCatalog;
  loader: ModelLoader;
  /** Default keep-alive in ms (negative = forever). */
  keepAliveMs: number;
  maxLoaded: number;
  logger?: Logger;
}

/** Per-model state for `/health`. */
export type ModelState = "loading" | "ready" | `failed: ${string}`;

/** Loads, lends and unloads models. */
export class ModelManager {
  readonly catalog: ModelCatalog;
  readonly #options: ModelManagerOptions;
  readonly #loaded = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<Entry>>();
  readonly #failed = new Map<string, string>();
  #waiters: (() => void)[] = [];
  #closed = false;

  constructor(options: ModelManagerOptions) {
    this.catalog = options.catalog;
    this.#options = options;
  }

  get #log(): Logger {
    return this.#options.logger ?? silentLogger;
  }

  /** Lends the model called `name`, loading it first if needed. */
  async acquire(name: string, signal?: AbortSignal): Promise<ModelLease> {
    const source = await this.catalog.resolve(name);
    if (!source) {
      const swarmName = name === "synapse" || name.startsWith("synapse:");
      throw new ModelNotFoundError(
        name,
        swarmName
          ? "synapse names are answered by specialists: start with synapse up --specialists DIR"
          : `pull it first: synapse pull ${name}`,
      );
    }
    let entry = this.#loaded.get(source.name);
    if (!entry) {
      let pending = this.#loading.get(source.name);
      if (!pending) {
        pending = this.#load(source, signal);
        this.#loading.set(source.name, pending);
        pending.finally(() => this.#loading.delete(source.name)).catch(() => {});
      }
      entry = await pending;
    }
    signal?.throwIfAborted();
    return this.#lend(entry);
  }

  async #load(source: ModelSource, signal?: AbortSignal): Promise<Entry> {
    await this.#makeRoom(source.name, signal);
    const started = Date.now();
    let model: Model;
    try {
      model = await this.#options.loader(source.spec);
    } catch (error) {
      const reason = (error as Error)?.message?.split("\n")[0] ?? String(error);
      this.#failed.set(source.name, reason);
      this.#log.error("model_load_failed", { model: source.name, reason });
      throw new ModelLoadError(source.name, reason);
    }
    this.#failed.delete(source.name);
    const entry: Entry = {
      source,
      model,
      active: 0,
      keepAliveMs: this.#options.keepAliveMs,
      lastUsed: Date.now(),
      loadedAt: new Date(),
      expiresAt: null,
    };
    this.#loaded.set(source.name, entry);
    this.#log.info("model_loaded", { model: source.name, ms: Date.now() - started });
    return entry;
  }

  /** Waits until fewer than `maxLoaded` models are loaded, evicting idle ones first. */
  async #makeRoom(self: string, signal?: AbortSignal): Promise<void> {
    const others = () => [...this.#loading.keys()].filter((n) => n !== self).length;
    while (this.#loaded.size + others() >= this.#options.maxLoaded) {
      const idle = [...this.#loaded.values()].filter((e) => e.active === 0)
        .sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (idle) {
        this.#unloadEntry(idle, "evicted");
        continue;
      }
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #lend(entry: Entry): ModelLease {
    entry.active++;
    clearTimeout(entry.timer);
    entry.expiresAt = null;
    let released = false;
    return {
      model: entry.model,
      source: entry.source,
      release: (keepAliveMs?: number) => {
        if (released) return;
        released = true;
        entry.active--;
        entry.lastUsed = Date.now();
        if (keepAliveMs !== undefined) entry.keepAliveMs = keepAliveMs;
        if (entry.active === 0 && entry.broken) this.#close(entry, "broken");
        else if (entry.active === 0) this.#idle(entry);
        const waiters = this.#waiters.splice(0);
        for (const wake of waiters) wake();
      },
    };
  }

  #idle(entry: Entry): void {
    if (entry.keepAliveMs === 0 || this.#closed) {
      this.#unloadEntry(entry, "keep_alive");
      return;
    }
    if (entry.keepAliveMs < 0) return;
    entry.expiresAt = new Date(Date.now() + entry.keepAliveMs);
    entry.timer = setTimeout(() => this.#unloadEntry(entry, "expired"), entry.keepAliveMs);
  }

  #unloadEntry(entry: Entry, why: string): void {
    if (this.#loaded.get(entry.source.name) !== entry) return;
    this.#loaded.delete(entry.source.name);
    this.#close(entry, why);
  }

  #close(entry: Entry, why: string): void {
    clearTimeout(entry.timer);
    try {
      entry.model.close();
    } catch (error) {
      this.#log.warn("model_close_failed", { model: entry.source.name, reason: String(error) });
    }
    this.#log.info("model_unloaded", { model: entry.source.name, why });
  }

  /**
   * Takes a model that failed while generating out of service: the next request loads a fresh
   * instance, `/health` shows the failure, and this one closes when its last request ends.
   */
  discard(model: Model, reason: string): void {
    const entry = [...this.#loaded.values()].find((e) => e.model === model);
    if (!entry) return;
    this.#loaded.delete(entry.source.name);
    entry.broken = true;
    this.#failed.set(entry.source.name, reason);
    this.#log.error("model_discarded", { model: entry.source.name, reason });
    if (entry.active === 0) this.#close(entry, "broken");
  }

  /**
   * Unloads `name`: at once when idle, else as soon as its requests finish. Returns whether it
   * was loaded.
   */
  async unload(name: string): Promise<boolean> {
    const source = await this.catalog.resolve(name);
    const entry = source && this.#loaded.get(source.name);
    if (!entry) return false;
    entry.keepAliveMs = 0;
    if (entry.active === 0) this.#unloadEntry(entry, "requested");
    return true;
  }

  /** Loaded models, most recently used first. */
  loaded(): LoadedModel[] {
    return [...this.#loaded.values()].sort((a, b) => b.lastUsed - a.lastUsed).map((e) => ({
      source: e.source,
      model: e.model,
      active: e.active,
      expiresAt: e.expiresAt,
      loadedAt: e.loadedAt,
    }));
  }

  /** Whether `name` (canonical) is loaded now. */
  isLoaded(name: string): boolean {
    return this.#loaded.has(name);
  }

  /** State of every model that is loading, loaded, or failed its last load. */
  states(): Record<string, ModelState> {
    const states: Record<string, ModelState> = {};
    for (const [name, reason] of this.#failed) states[name] = `failed: ${reason}`;
    for (const name of this.#loading.keys()) states[name] = "loading";
    for (const name of this.#loaded.keys()) states[name] = "ready";
    return states;
  }

  /** Unloads everything idle now and the rest when released; refuses nothing itself. */
  close(): void {
    this.#closed = true;
    for (const entry of [...this.#loaded.values()]) {
      if (entry.active === 0) this.#unloadEntry(entry, "shutdown");
    }
  }
}

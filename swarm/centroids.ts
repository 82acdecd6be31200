/**
 * Exemplar centroids: per specialist, the mean embedding of the prompts it served well, compared
 * to a request after both are centred on the mean of all requests seen (mean-pooled hidden states
 * of a small model all point roughly the same way; centring keeps what tells them apart).
 * @module
 */

/** Cosine similarity of `a` and `b`; 0 when either is all zeros. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(`cosine of vectors of length ${a.length} and ${b.length}`);
  }
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** A running mean that becomes an exponential moving average after `window` samples. */
class RunningMean {
  readonly mean: Float64Array;
  count = 0;
  constructor(dim: number, private readonly window: number) {
    this.mean = new Float64Array(dim);
  }
  add(x: ArrayLike<number>): void {
    this.count++;
    const rate = 1 / Math.min(this.count, this.window);
    for (let i = 0; i < this.mean.length; i++) this.mean[i] += (x[i] - this.mean[i]) * rate;
  }
}

/** Serialized form of `ExemplarCentroids` (for a JSON file beside the database). */
export interface CentroidsSnapshot {
  dim: number;
  global: { count: number; mean: number[] };
  specialists: Record<string, { count: number; mean: number[] }>;
}

/** The exemplar centroid of each specialist, and the global mean they are centred on. */
export class ExemplarCentroids {
  #dim: number | null = null;
  #global: RunningMean | null = null;
  readonly #centroids = new Map<string, RunningMean>();

  /** Samples after which means turn into moving averages (so they follow drift). */
  constructor(private readonly window = 256) {}

  #check(x: ArrayLike<number>): void {
    if (this.#dim === null) {
      this.#dim = x.length;
      this.#global = new RunningMean(x.length, this.window * 4);
    } else if (x.length !== this.#dim) {
      throw new RangeError(`embedding of length ${x.length}; expected ${this.#dim}`);
    }
  }

  /** Records a request's embedding in the global mean (every routed request). */
  observe(embedding: ArrayLike<number>): void {
    this.#check(embedding);
    this.#global!.add(embedding);
  }

  /** Adds a prompt the specialist served well to its centroid. */
  addExemplar(specialist: string, embedding: ArrayLike<number>): void {
    this.#check(embedding);
    let c = this.#centroids.get(specialist);
    if (!c) this.#centroids.set(specialist, c = new RunningMean(embedding.length, this.window));
    c.add(embedding);
  }

  /** How many exemplars `specialist` has. */
  exemplarCount(specialist: string): number {
    return this.#centroids.get(specialist)?.count ?? 0;
  }

  /** Forgets a specialist's exemplars (e.g. when it is removed or retrained). */
  forget(specialist: string): void {
    this.#centroids.delete(specialist);
  }

  /** `embedding` minus the mean of all requests observed so far. */
  centred(embedding: ArrayLike<number>): Float64Array {
    const x = Float64Array.from(embedding);
    const g = this.#global;
    if (g && g.count > 0 && x.length === g.mean.length) {
      for (let i = 0; i < x.length; i++) x[i] -= g.mean[i];
    }
    return x;
  }

  /** Centred cosine between `embedding` and the specialist's centroid; 0 without exemplars. */
  similarity(specialist: string, embedding: ArrayLike<number>): number {
    const c = this.#centroids.get(specialist);
    if (!c || this.#dim === null || embedding.length !== this.#dim) return 0;
    const g = this.#global!.count > 0 ? this.#global!.mean : new Float64Array(this.#dim);
    const x = new Float64Array(this.#dim);
    const y = new Float64Array(this.#dim);
    for (let i = 0; i < this.#dim; i++) {
      x[i] = embedding[i] - g[i];
      y[i] = c.mean[i] - g[i];
    }
    return cosineSimilarity(x, y);
  }

  /** A JSON-safe copy of the state. */
  snapshot(): CentroidsSnapshot {
    const specialists: CentroidsSnapshot["specialists"] = {};
    for (const [name, c] of this.#centroids) {
      specialists[name] = { count: c.count, mean: Array.from(c.mean) };
    }
    return {
      dim: this.#dim ?? 0,
      global: { count: this.#global?.count ?? 0, mean: Array.from(this.#global?.mean ?? []) },
      specialists,
    };
  }

  /** Rebuilds centroids from `snapshot()` output. */
  static fromSnapshot(snapshot: CentroidsSnapshot, window = 256): ExemplarCentroids {
    const centroids = new ExemplarCentroids(window);
    if (snapshot.dim === 0) return centroids;
    centroids.#dim = snapshot.dim;
    centroids.#global = new RunningMean(snapshot.dim, window * 4);
    centroids.#global.mean.set(snapshot.global.mean);
    centroids.#global.count = snapshot.global.count;
    for (const [name, s] of Object.entries(snapshot.specialists)) {
      const c = new RunningMean(snapshot.dim, window);
      c.mean.set(s.mean);
      c.count = s.count;
      centroids.#centroids.set(name, c);
    }
    return centroids;
  }
}

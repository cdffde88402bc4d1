export type CacheResult = 'hit' | 'miss' | 'coalesced';

export interface CacheOptions {
  /** How long an answer is served from memory; 0 keeps only the single-flight coalescing. */
  readonly ttlMs: number;
  /** Bound on remembered answers; the oldest go first. */
  readonly maxEntries: number;
}

/**
 * A short-TTL answer cache with single-flight: while a load for a key is running, every other caller
 * of that key waits for the same load instead of starting its own. Failures are shared by the callers
 * already waiting but never cached. Pure: time comes from the injected clock.
 */
export class QueryCache<T> {
  private readonly answers = new Map<string, { value: T; expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(
    private readonly options: CacheOptions,
    private readonly now: () => number,
  ) {}

  async get(key: string, load: () => Promise<T>): Promise<{ value: T; result: CacheResult }> {
    const cached = this.answers.get(key);
    if (cached !== undefined) {
      if (cached.expiresAt > this.now()) return { value: cached.value, result: 'hit' };
      this.answers.delete(key);
    }
    const running = this.inFlight.get(key);
    if (running !== undefined) return { value: await running, result: 'coalesced' };

    const loading = load();
    this.inFlight.set(key, loading);
    try {
      const value = await loading;
      if (this.options.ttlMs > 0) this.remember(key, value);
      return { value, result: 'miss' };
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Answers currently remembered (expired ones included until touched or evicted). */
  get size(): number {
    return this.answers.size;
  }

  private remember(key: string, value: T): void {
    this.answers.delete(key);
    this.answers.set(key, { value, expiresAt: this.now() + this.options.ttlMs });
    while (this.answers.size > this.options.maxEntries) {
      const oldest = this.answers.keys().next().value as string;
      this.answers.delete(oldest);
    }
  }
}

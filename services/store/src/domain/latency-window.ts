/**
 * A shard's recent latencies: the last `maxSamples` observations no older than `windowMs`, for the
 * hedging delay. Pure: time comes from the injected clock.
 */
export class LatencyWindow {
  private readonly samples: { at: number; ms: number }[] = [];

  constructor(
    private readonly options: { readonly maxSamples: number; readonly windowMs: number },
    private readonly now: () => number,
  ) {
    if (options.maxSamples < 1) throw new RangeError('maxSamples must be ≥ 1');
  }

  record(ms: number): void {
    this.samples.push({ at: this.now(), ms });
    if (this.samples.length > this.options.maxSamples) this.samples.shift();
  }

  /** Samples still inside the window (older ones are dropped here, lazily). */
  size(): number {
    this.expire();
    return this.samples.length;
  }

  /** The nearest-rank `p`-th percentile (0 < p ≤ 100) of the window, or undefined when it is empty. */
  percentile(p: number): number | undefined {
    this.expire();
    if (this.samples.length === 0) return undefined;
    const sorted = this.samples.map((s) => s.ms).sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[rank - 1];
  }

  private expire(): void {
    const oldest = this.now() - this.options.windowMs;
    while (this.samples.length > 0 && this.samples[0]!.at < oldest) this.samples.shift();
  }
}

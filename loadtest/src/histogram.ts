/**
 * Prometheus histograms read from text exposition, and the quantiles of what was observed between
 * two readings. Quantiles are bucket upper bounds: a p99 of 0.005 means "at most 5 ms".
 */

/** Cumulative counts by upper bound (Infinity for `+Inf`), summed over the label sets read. */
export type Histogram = ReadonlyMap<number, number>;

/** Histogram `metric`'s buckets in `exposition`, summed over the series whose labels contain `labelFilter`. */
export function parseHistogram(exposition: string, metric: string, labelFilter = ''): Histogram {
  const buckets = new Map<number, number>();
  const prefix = `${metric}_bucket{`;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(prefix) || !line.includes(labelFilter)) continue;
    const match = /le="([^"]+)"[^}]*}\s+(\S+)/.exec(line);
    if (!match) continue;
    const bound = match[1] === '+Inf' ? Infinity : Number(match[1]);
    const count = Number(match[2]);
    if (Number.isNaN(bound) || !Number.isFinite(count)) continue;
    buckets.set(bound, (buckets.get(bound) ?? 0) + count);
  }
  return buckets;
}

export interface Observed {
  /** Observations between the two readings. */
  readonly count: number;
  /** Per asked quantile, the upper bound of its bucket; null when there are none or it is past the largest finite bound. */
  readonly quantiles: readonly (number | null)[];
  /** The largest finite bound, when some observations were larger. */
  readonly overLargestBound?: number;
}

/** What was observed between `before` and `after` (a counter reset, e.g. a restart, counts `after` alone). */
export function observedBetween(before: Histogram, after: Histogram, quantiles: readonly number[]): Observed {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const reset = bounds.some((b) => (after.get(b) ?? 0) < (before.get(b) ?? 0));
  const cumulative = bounds.map((b) => (after.get(b) ?? 0) - (reset ? 0 : (before.get(b) ?? 0)));
  const count = cumulative.at(-1) ?? 0;
  const quantile = (q: number): number | null => {
    if (count === 0) return null;
    const rank = Math.ceil(q * count);
    const bound = bounds[cumulative.findIndex((c) => c >= rank)];
    return bound === undefined || bound === Infinity ? null : bound;
  };
  const largest = bounds.filter(Number.isFinite).at(-1);
  const overLargest = largest !== undefined && count > (cumulative[bounds.indexOf(largest)] ?? 0);
  return { count, quantiles: quantiles.map(quantile), ...(overLargest ? { overLargestBound: largest } : {}) };
}

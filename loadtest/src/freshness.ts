/**
 * Freshness: the time from a purchase's receipt (the event's `receivedAt`, set when the purchase
 * service builds the event, before Kafka acknowledges it and the client gets its 201) to its commit on
 * its shard — an upper bound of the time from the 201 to the commit — from the consumer's `consumer_freshness_seconds` histogram read
 * before the load and after the drain. The difference holds exactly the run's purchases (and anything
 * else the consumer committed meanwhile); its quantiles are bucket upper bounds, so a p99 of 0.25 s
 * means "at most 0.25 s". Two clocks take part (the purchase service's and the consumer's); on one
 * machine they are the same clock.
 */

import { readMetricsText } from './consumer-lag.js';

const METRIC = 'consumer_freshness_seconds_bucket';

/** Cumulative counts by upper bound (seconds; Infinity for `+Inf`), summed over label sets. */
export type Histogram = ReadonlyMap<number, number>;

export function parseFreshnessHistogram(exposition: string): Histogram {
  const buckets = new Map<number, number>();
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(METRIC)) continue;
    const match = /le="([^"]+)"[^}]*}\s+(\S+)/.exec(line);
    if (!match) continue;
    const bound = match[1] === '+Inf' ? Infinity : Number(match[1]);
    const count = Number(match[2]);
    if (Number.isNaN(bound) || !Number.isFinite(count)) continue;
    buckets.set(bound, (buckets.get(bound) ?? 0) + count);
  }
  return buckets;
}

export interface Freshness {
  /** Purchases committed between the two readings. */
  readonly count: number;
  /** Upper bounds (seconds) of the buckets holding each quantile; null when `count` is 0. */
  readonly p50S: number | null;
  readonly p95S: number | null;
  readonly p99S: number | null;
  /** The largest finite bound, when some purchases took longer (p99 is then `Infinity`, stored as null). */
  readonly overLargestBoundS?: number;
}

/** Quantiles of `after − before` (a counter reset, e.g. a consumer restart, counts `after` alone). */
export function freshnessBetween(before: Histogram, after: Histogram): Freshness {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const reset = bounds.some((b) => (after.get(b) ?? 0) < (before.get(b) ?? 0));
  const cumulative = bounds.map((b) => (after.get(b) ?? 0) - (reset ? 0 : (before.get(b) ?? 0)));
  const count = cumulative.at(-1) ?? 0;
  const quantile = (q: number): number | null => {
    if (count === 0) return null;
    const rank = Math.ceil(q * count);
    const index = cumulative.findIndex((c) => c >= rank);
    const bound = bounds[index];
    return bound === undefined || bound === Infinity ? null : bound;
  };
  const largest = bounds.filter(Number.isFinite).at(-1);
  const overLargest = largest !== undefined && count > (cumulative[bounds.indexOf(largest)] ?? 0);
  return {
    count,
    p50S: quantile(0.5),
    p95S: quantile(0.95),
    p99S: quantile(0.99),
    ...(overLargest ? { overLargestBoundS: largest } : {}),
  };
}

/** The consumer's freshness histogram now (empty before its first commit), or undefined when its metrics cannot be read. */
export async function readFreshness(metricsUrl: string, timeoutMs = 2000): Promise<Histogram | undefined> {
  const text = await readMetricsText(metricsUrl, timeoutMs);
  return text === undefined ? undefined : parseFreshnessHistogram(text);
}

/** "p50 ≤ 0.1 s, p99 ≤ 0.5 s (276,480 purchases)". */
export function formatFreshness(freshness: Freshness): string {
  const bound = (s: number | null) => (s === null ? `> ${freshness.overLargestBoundS ?? '?'} s` : `≤ ${s} s`);
  return `p50 ${bound(freshness.p50S)}, p95 ${bound(freshness.p95S)}, p99 ${bound(freshness.p99S)} (${freshness.count.toLocaleString('en-US')} purchases, receipt to shard commit)`;
}

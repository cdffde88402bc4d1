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
import { observedBetween, parseHistogram, type Histogram } from './histogram.js';

const METRIC = 'consumer_freshness_seconds';

export type { Histogram };

export function parseFreshnessHistogram(exposition: string): Histogram {
  return parseHistogram(exposition, METRIC);
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
  const { count, quantiles, overLargestBound } = observedBetween(before, after, [0.5, 0.95, 0.99]);
  const [p50S = null, p95S = null, p99S = null] = quantiles;
  return {
    count,
    p50S,
    p95S,
    p99S,
    ...(overLargestBound === undefined ? {} : { overLargestBoundS: overLargestBound }),
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

import type { LatencyWindow } from './latency-window.js';

export interface HedgePolicyOptions {
  /** Hedge after this percentile of the primary's recent latency ("The Tail at Scale": p95). */
  readonly percentile: number;
  /** Below this many recent samples the percentile means little: hedge after `maxDelayMs`. */
  readonly minSamples: number;
  /** Never hedge sooner: a replica query costs load even when it loses. */
  readonly minDelayMs: number;
  /** Never wait longer: a primary that is slow every time is still worth hedging. */
  readonly maxDelayMs: number;
}

/**
 * How long to wait for a shard's primary before sending the same query to its replica: the recent
 * p95, clamped to [minDelayMs, maxDelayMs]. With the p95, about 5 % of queries are hedged when the
 * primary behaves as usual, so the extra load stays small while the slowest 5 % get a second chance.
 */
export function hedgeDelayMs(window: LatencyWindow, options: HedgePolicyOptions): number {
  if (window.size() < options.minSamples) return options.maxDelayMs;
  const p = window.percentile(options.percentile) ?? options.maxDelayMs;
  return Math.min(options.maxDelayMs, Math.max(options.minDelayMs, p));
}

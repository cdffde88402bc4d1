/**
 * Where a store read's time goes, from the store service's own metrics read when a phase's measured
 * window starts and when it ends: the HTTP handler's duration per route, the wait for a pooled shard
 * connection, the shard query (pool wait included), event-loop delay and garbage collection. The
 * server's own time per statement comes from pg_stat_statements (see readStatementStats).
 */
import { observedBetween, parseHistogram, type Histogram } from '../histogram.js';
import { rounded, sumMetric } from './figures.js';

/** Upper bounds (ms) of the buckets holding p50 and p99 of what a histogram observed in the window. */
export interface HopQuantiles {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Set when some observations passed the largest bucket (p99 is then null). */
  readonly overMs?: number;
}

export interface StoreHops {
  /** The store's own handling time (first byte in to last byte out) per route. */
  readonly handler: Readonly<Record<string, HopQuantiles>>;
  readonly poolWait: HopQuantiles;
  /** One shard query as the service sees it, pool wait included. */
  readonly shardQuery: HopQuantiles;
  /**
   * How late the event loop ran prom-client's 10 ms sampling timer (the 10 ms taken off), over the
   * window: p99 (the workers' average) and the largest (any worker).
   */
  readonly eventLoopDelayMs: { readonly p99: number; readonly max: number };
  /** Garbage collection in the window, all workers: pauses and their total time. */
  readonly gc: { readonly pauses: number; readonly totalMs: number; readonly majorPauses: number };
}

/** prom-client's default eventLoopMonitoringPrecision: its lag gauges include this interval. */
const LAG_SAMPLING_MS = 10;

const ROUTES = { 'GET /items/store': '/items/store/:storeID', 'GET /items/top10': '/items/top10/:itemID' };

function quantiles(before: Histogram, after: Histogram): HopQuantiles {
  const { count, quantiles: q, overLargestBound } = observedBetween(before, after, [0.5, 0.99]);
  const ms = (s: number | null | undefined) => (s == null ? null : rounded(s * 1000, 3));
  return {
    count,
    p50Ms: ms(q[0]),
    p99Ms: ms(q[1]),
    ...(overLargestBound === undefined ? {} : { overMs: rounded(overLargestBound * 1000, 3) }),
  };
}

/** The hops of the reads the store answered between two readings of its /metrics. */
export function storeHops(before: string, after: string): StoreHops {
  const between = (metric: string, labels = '') =>
    quantiles(parseHistogram(before, metric, labels), parseHistogram(after, metric, labels));
  const lag = (name: string) =>
    rounded(
      Math.max(0, sumMetric(after, `nodejs_eventloop_lag_${name}_seconds`) * 1000 - LAG_SAMPLING_MS),
      3,
    );
  const gc = (suffix: string, labels = '') =>
    sumMetric(after, `nodejs_gc_duration_seconds_${suffix}`, labels) -
    sumMetric(before, `nodejs_gc_duration_seconds_${suffix}`, labels);
  return {
    handler: Object.fromEntries(
      Object.entries(ROUTES).map(([name, route]) => [
        name,
        between('http_request_duration_seconds', `route="${route}"`),
      ]),
    ),
    poolWait: between('store_pool_wait_seconds'),
    shardQuery: between('store_shard_query_duration_seconds'),
    eventLoopDelayMs: { p99: lag('p99'), max: lag('max') },
    gc: {
      pauses: gc('count'),
      totalMs: rounded(gc('sum') * 1000, 1),
      majorPauses: gc('count', 'kind="major"'),
    },
  };
}

/**
 * The figures the component benchmarks record, computed from raw measurements: latency percentiles
 * (the nearest-rank definition of ../stats.ts, the one every load record uses), failure rates from
 * status counts, sums of Prometheus counters, and a drain rate from counter readings over time.
 */
import { ascending, percentile } from '../stats.js';
import type { HttpLoadResult } from './http-load.js';

export interface PercentileSummary {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  readonly maxMs: number | null;
}

/** `value` rounded to `decimals` places. */
export function rounded(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** Nearest-rank p50/p90/p99/p99.9 and the maximum of `samples` (ms), rounded; null when there are none. */
export function latencyPercentiles(samples: ArrayLike<number>, decimals = 3): PercentileSummary {
  const sorted = ascending(samples);
  const at = (p: number) => (sorted.length === 0 ? null : rounded(percentile(sorted, p), decimals));
  return {
    count: sorted.length,
    p50Ms: at(50),
    p90Ms: at(90),
    p99Ms: at(99),
    p999Ms: at(99.9),
    maxMs: at(100),
  };
}

/**
 * The share of `name`'s answers that failed: attempts counted under `${name} <status>` whose status is
 * neither 2xx nor 404 (transport errors included), over the answers with a latency; 4 decimals.
 */
export function failureRate(statuses: ReadonlyMap<string, number>, name: string, answered: number): number {
  let failures = 0;
  for (const [key, count] of statuses) {
    if (key.startsWith(`${name} `) && !/ (2\d\d|404)$/.test(key)) failures += count;
  }
  return rounded(failures / Math.max(1, answered), 4);
}

/**
 * The sum of every sample of metric `name` in Prometheus text exposition `text` (with or without
 * labels), over the lines that contain `labelFilter`.
 */
export function sumMetric(text: string, name: string, labelFilter = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labelFilter))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/**
 * The sustained rate of a counter that climbs to `total`: (rows at 90 %) − (rows at 10 %) over the time
 * between the first readings that reached them, per second. `marks` are [ms, value] readings in time
 * order; undefined until both thresholds were reached at different times.
 */
export function sustainedRate(
  marks: readonly (readonly [number, number])[],
  total: number,
): number | undefined {
  const at = (fraction: number) => marks.find(([, value]) => value >= total * fraction);
  const low = at(0.1);
  const high = at(0.9);
  if (!low || !high || high[0] === low[0]) return undefined;
  return (high[1] - low[1]) / ((high[0] - low[0]) / 1000);
}

export interface NamedLatency extends PercentileSummary {
  /** Answers per second of the measured window. */
  readonly perSecond: number;
  readonly failureRate: number;
}

/** The store benchmark's record of a load: per request name its percentiles, rate and failure rate. */
export interface LoadSummary {
  readonly seconds: number;
  readonly latency: Readonly<Record<string, NamedLatency>>;
  readonly statuses: Readonly<Record<string, number>>;
}

export function summariseLoad(result: HttpLoadResult): LoadSummary {
  const latency: Record<string, NamedLatency> = {};
  for (const [name, log] of result.samples) {
    latency[name] = {
      ...latencyPercentiles(log.values()),
      perSecond: Math.round(log.length / result.seconds),
      failureRate: failureRate(result.statuses, name, log.length),
    };
  }
  return { seconds: result.seconds, latency, statuses: Object.fromEntries(result.statuses) };
}

/** The purchase benchmark's record of one target's measured window. */
export interface PurchaseLoadFigures {
  readonly seconds: number;
  /** HTTP answers, whatever their status. */
  readonly requests: number;
  readonly created: number;
  /** 201s per second. */
  readonly throughput: number;
  /** Answers per HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Transport errors per code. */
  readonly errors: Readonly<Record<string, number>>;
  /** Answers other than 201, plus transport errors. */
  readonly nonCreated: number;
  readonly latencyMs: {
    readonly p50: number | null;
    readonly p90: number | null;
    readonly p99: number | null;
    readonly max: number | null;
  };
  readonly loadGeneratorCpuPercent: number;
  /** CPU milliseconds per answer: `load generator` (this process) and each process `cpuSeconds` named. */
  readonly cpuMsPerRequest: Readonly<Record<string, number>>;
}

export function purchaseFigures(result: HttpLoadResult, name = 'POST /purchase'): PurchaseLoadFigures {
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const [key, count] of result.statuses) {
    if (!key.startsWith(`${name} `)) continue;
    const status = key.slice(name.length + 1);
    if (status.startsWith('error:')) errors[status.slice('error:'.length)] = count;
    else statuses[status] = count;
  }
  const samples = result.samples.get(name)?.values() ?? [];
  const latency = latencyPercentiles(samples, 2);
  const requests = samples.length;
  const created = statuses['201'] ?? 0;
  const errorCount = Object.values(errors).reduce((sum, count) => sum + count, 0);
  const perRequest = (seconds: number) => rounded((seconds * 1000) / Math.max(1, requests), 3);
  return {
    seconds: rounded(result.seconds, 2),
    requests,
    created,
    throughput: rounded(created / result.seconds, 2),
    statuses,
    errors,
    nonCreated: requests - created + errorCount,
    latencyMs: { p50: latency.p50Ms, p90: latency.p90Ms, p99: latency.p99Ms, max: latency.maxMs },
    loadGeneratorCpuPercent: rounded((result.loadGeneratorCpuSeconds / result.seconds) * 100, 2),
    cpuMsPerRequest: {
      'load generator': perRequest(result.loadGeneratorCpuSeconds),
      ...Object.fromEntries(
        Object.entries(result.cpuSeconds).map(([n, seconds]) => [n, perRequest(seconds)]),
      ),
    },
  };
}

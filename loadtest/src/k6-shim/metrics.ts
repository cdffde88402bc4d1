/**
 * The k6 shim's metric sinks, thresholds and end-of-test summary, as plain functions over plain data.
 * Aggregation follows k6: counters sum, rates count non-zero samples, trends keep every sample
 * (percentiles interpolate between the closest ranks), gauges keep the last value. The summary has the
 * shape of `k6 run --summary-export` so a test reads it as it would read real k6's.
 */

export type MetricKind = 'counter' | 'gauge' | 'rate' | 'trend';

/** The metrics k6 itself emits for what the shim supports (HTTP requests and iterations). */
export const BUILTIN_METRICS: Readonly<Record<string, MetricKind>> = {
  http_reqs: 'counter',
  http_req_duration: 'trend',
  http_req_failed: 'rate',
  iterations: 'counter',
  iteration_duration: 'trend',
  checks: 'rate',
};

export const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'] as const;

interface Sink {
  readonly kind: MetricKind;
  readonly values: number[];
}

export type MetricSummary = Record<string, number | Record<string, boolean>> & {
  thresholds?: Record<string, boolean>;
};

export interface SummaryExport {
  readonly metrics: Record<string, MetricSummary>;
  /** Shim-only: the run's wall time, the denominator of counters' `rate`. */
  readonly durationMs: number;
}

/** Percentile p (0–100) of sorted values, linear between the closest ranks (k6's trend sink). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (rank - lower);
}

export class MetricStore {
  readonly #sinks = new Map<string, Sink>();

  constructor(definitions: Readonly<Record<string, MetricKind>> = BUILTIN_METRICS) {
    for (const [name, kind] of Object.entries(definitions)) this.define(name, kind);
  }

  /** Declares a metric; declaring it again with another kind is an error, as in k6. */
  define(name: string, kind: MetricKind): void {
    const existing = this.#sinks.get(name);
    if (existing && existing.kind !== kind) {
      throw new Error(`metric ${name} is already a ${existing.kind}, cannot redeclare it as a ${kind}`);
    }
    if (!existing) this.#sinks.set(name, { kind, values: [] });
  }

  add(name: string, value: number): void {
    const sink = this.#sinks.get(name);
    if (!sink) throw new Error(`sample for undeclared metric ${name}`);
    sink.values.push(value);
  }

  /** Aggregates of every metric that has samples (k6 leaves sample-less metrics out of its summary). */
  aggregates(durationMs: number, trendStats: readonly string[] = DEFAULT_TREND_STATS) {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, sink] of this.#sinks) {
      if (sink.values.length > 0) out[name] = aggregate(sink, durationMs, trendStats);
    }
    return out;
  }

  kindOf(name: string): MetricKind | undefined {
    return this.#sinks.get(name)?.kind;
  }
}

function aggregate(sink: Sink, durationMs: number, trendStats: readonly string[]): Record<string, number> {
  const { values } = sink;
  switch (sink.kind) {
    case 'counter': {
      const count = values.reduce((a, b) => a + b, 0);
      return { count, rate: durationMs > 0 ? count / (durationMs / 1000) : 0 };
    }
    case 'gauge':
      return { value: values.at(-1)!, min: Math.min(...values), max: Math.max(...values) };
    case 'rate': {
      const passes = values.filter((v) => v !== 0).length;
      return { passes, fails: values.length - passes, value: passes / values.length };
    }
    case 'trend': {
      const sorted = [...values].sort((a, b) => a - b);
      const stats: Record<string, number> = {
        avg: values.reduce((a, b) => a + b, 0) / values.length,
        min: sorted[0]!,
        med: percentile(sorted, 50),
        max: sorted.at(-1)!,
      };
      for (const stat of trendStats) {
        const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
        if (p) stats[stat] = percentile(sorted, Number(p[1]));
      }
      return stats;
    }
  }
}

export interface Threshold {
  readonly source: string;
  readonly aggregation: string;
  readonly operator: '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';
  readonly value: number;
}

const THRESHOLD =
  /^\s*(count|rate|value|avg|min|max|med|p\(\d+(?:\.\d+)?\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Parses one k6 threshold expression such as `p(99)<1000` or `rate<0.001`. */
export function parseThreshold(source: string): Threshold {
  const match = THRESHOLD.exec(source);
  if (!match) throw new Error(`threshold "${source}" is not an expression the k6 shim evaluates`);
  return {
    source,
    aggregation: match[1]!,
    operator: match[2] as Threshold['operator'],
    value: Number(match[3]),
  };
}

function holds(actual: number, { operator, value }: Threshold): boolean {
  switch (operator) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '==':
    case '===':
      return actual === value;
    case '!=':
      return actual !== value;
  }
}

/** The value a threshold's aggregation reads from a metric's aggregates (trends compute any p(N)). */
function aggregationValue(
  store: MetricStore,
  name: string,
  aggregates: Record<string, number>,
  aggregation: string,
): number {
  if (aggregation in aggregates) return aggregates[aggregation]!;
  // A trend threshold on a percentile the summary does not show.
  if (store.kindOf(name) === 'trend' && aggregation.startsWith('p(')) {
    throw new Error(`threshold on ${name} ${aggregation}: add it to summaryTrendStats to evaluate it`);
  }
  if (aggregation === 'rate' && store.kindOf(name) === 'rate') return aggregates.value!;
  throw new Error(`threshold aggregation ${aggregation} does not apply to ${name} (${store.kindOf(name)})`);
}

/**
 * The summary k6 exports, with each threshold as `{ expression: crossed }`. A metric a threshold
 * names but nothing sampled is reported with no aggregates, its thresholds not crossed (k6 does the same).
 */
export function summarize(
  store: MetricStore,
  thresholds: Readonly<Record<string, readonly string[]>>,
  durationMs: number,
  trendStats: readonly string[] = DEFAULT_TREND_STATS,
): { summary: SummaryExport; crossed: string[] } {
  const stats = [...new Set([...trendStats, ...thresholdPercentiles(thresholds)])];
  const aggregates = store.aggregates(durationMs, stats);
  const metrics: Record<string, MetricSummary> = {};
  for (const [name, values] of Object.entries(aggregates)) {
    metrics[name] = Object.fromEntries(
      Object.entries(values).filter(([k]) => !k.startsWith('p(') || trendStats.includes(k)),
    );
  }
  const crossed: string[] = [];
  for (const [name, expressions] of Object.entries(thresholds)) {
    if (name.includes('{')) throw new Error(`threshold on sub-metric ${name}: not supported by the k6 shim`);
    if (!store.kindOf(name)) throw new Error(`threshold on unknown metric ${name}`);
    const results: Record<string, boolean> = {};
    for (const source of expressions) {
      const threshold = parseThreshold(source);
      const values = aggregates[name];
      const isCrossed = values
        ? !holds(aggregationValue(store, name, values, threshold.aggregation), threshold)
        : false;
      results[source] = isCrossed;
      if (isCrossed) crossed.push(`${name}: ${source}`);
    }
    metrics[name] = { ...(metrics[name] ?? {}), thresholds: results };
  }
  return { summary: { metrics, durationMs }, crossed };
}

function thresholdPercentiles(thresholds: Readonly<Record<string, readonly string[]>>): string[] {
  return Object.values(thresholds)
    .flat()
    .map((source) => /p\(\d+(?:\.\d+)?\)/.exec(source)?.[0])
    .filter((p): p is string => p !== undefined);
}

/** k6 duration strings (`30s`, `100ms`, `1m30s`, `6h`) or a number of milliseconds. */
export function parseDuration(value: string | number | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  if (typeof value === 'number') return value;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = value.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(rest)) throw new Error(`"${value}" is not a k6 duration`);
  while (rest.length > 0) {
    const part = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest)!;
    total += Number(part[1]) * units[part[2]!]!;
    rest = rest.slice(part[0].length);
  }
  return total;
}

/** Header names as k6 (Go's net/http) shows them: `retry-after` → `Retry-After`. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((part) => (part ? part[0]!.toUpperCase() + part.slice(1) : part))
    .join('-');
}

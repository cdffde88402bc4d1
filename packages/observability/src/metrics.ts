import cluster from 'node:cluster';
import { AggregatorRegistry, Registry, collectDefaultMetrics, Histogram, Counter } from 'prom-client';

/**
 * Buckets for request and query latencies: resolve 1 ms … 5 s (issue: RED metrics must separate
 * the 10 ms SLO from 2 ms and from 50 ms).
 */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/**
 * The same range with sub-millisecond resolution, for reads whose whole budget is a few
 * milliseconds (the store's requests and their hops: pool checkout, shard query).
 */
export const READ_LATENCY_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05,
  0.075, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

let workerListener: unknown;

/** A registry with the default process metrics and a `service` label on every series. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // In a cluster worker, the primary's AggregatorRegistry asks every worker for this registry.
  if (cluster.isWorker) {
    AggregatorRegistry.setRegistries([registry]);
    // prom-client installs the worker's answering listener only when an AggregatorRegistry is
    // constructed in that process (lib/cluster.js addListeners); without it /metrics times out.
    workerListener ??= new AggregatorRegistry();
  }
  return registry;
}

export interface HttpMetrics {
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly duration: Histogram<'route' | 'method' | 'status'>;
  observe(route: string, method: string, status: number, seconds: number): void;
}

/** RED metrics of an HTTP API. `route` is always a route template, never a raw path. */
export function createHttpMetrics(
  registry: Registry,
  buckets: readonly number[] = LATENCY_BUCKETS_SECONDS,
): HttpMetrics {
  const labelNames = ['route', 'method', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route template, method and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration from first byte in to last byte out',
    labelNames,
    buckets: [...buckets],
    registers: [registry],
  });
  return {
    requests,
    duration,
    observe(route, method, status, seconds) {
      const labels = { route, method, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
  };
}

const REQUEST = 'tillstream:metrics-request';
const RESPONSE = 'tillstream:metrics-response';

interface MetricsMessage {
  type: string;
  id: number;
  body?: string;
  error?: string;
}

/**
 * In the cluster primary: answers workers' requests for the metrics of all workers together, so
 * `/metrics` on any worker shows the whole service (prom-client's AggregatorRegistry).
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (body) => worker.send({ type: RESPONSE, id: message.id, body } satisfies MetricsMessage),
      (error: Error) =>
        worker.send({ type: RESPONSE, id: message.id, error: error.message } satisfies MetricsMessage),
    );
  });
}

let nextRequestId = 0;

/**
 * The text of `/metrics`: the whole cluster's when this process is a cluster worker, else its own.
 */
export async function metricsText(registry: Registry, timeoutMs = 3000): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = ++nextRequestId;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('cluster metrics timed out'));
    }, timeoutMs);
    const onMessage = (message: MetricsMessage) => {
      if (message?.type !== RESPONSE || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.body ?? '');
    };
    process.on('message', onMessage);
    process.send!({ type: REQUEST, id } satisfies MetricsMessage);
  });
}

export const METRICS_CONTENT_TYPE =
  AggregatorRegistry.PROMETHEUS_CONTENT_TYPE ?? Registry.PROMETHEUS_CONTENT_TYPE;

/** The metric classes, so services define their own metrics without depending on prom-client directly. */
export { Counter, Gauge, Histogram } from 'prom-client';
export type { Registry } from 'prom-client';

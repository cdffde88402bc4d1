import { OPS_ROUTES, percentiles, type DashboardSpec, type Target } from '../panel-kit.js';

const HTTP = OPS_ROUTES;
/** Only the application processes carry a `service` label (createRegistry's default label). */
const APP = 'service!=""';

/**
 * 5xx share of requests; `or … * 0` makes a service with no 5xx read 0 instead of disappearing, so a
 * healthy service is visibly healthy.
 */
export function errorRatio(selector: string, by: string): string {
  const total = `sum by (${by}) (rate(http_requests_total{${selector}}[$__rate_interval]))`;
  const errors = `sum by (${by}) (rate(http_requests_total{${selector}, status=~"5.."}[$__rate_interval]))`;
  return `(${errors} or ${total} * 0) / ${total}`;
}

function latencyOf(service: 'purchase' | 'store'): Target[] {
  return percentiles('http_request_duration_seconds', `service="${service}", ${HTTP}`, [], '');
}

export const overview: DashboardSpec = {
  uid: 'tillstream-overview',
  title: 'tillstream / Overview',
  description:
    'The whole system on one page: RED per service, the Kafka pipeline, the store shards, processes.',
  tags: ['overview'],
  links: true,
  rows: [
    {
      title: 'Services (rate, errors, duration)',
      panels: [
        {
          title: 'Request rate',
          description: 'Requests per second answered by each service (probes and /metrics excluded).',
          unit: 'reqps',
          width: 8,
          targets: [
            {
              expr: `sum by (service) (rate(http_requests_total{${HTTP}}[$__rate_interval]))`,
              legend: '{{service}}',
            },
          ],
        },
        {
          title: 'Error ratio (5xx)',
          description:
            'Share of requests answered with a 5xx status, per service. The HttpErrorRatioHigh alert fires above 1 % for 5 minutes.',
          unit: 'percentunit',
          width: 8,
          thresholds: [{ value: 0.01, color: 'red' }],
          targets: [{ expr: errorRatio(HTTP, 'service'), legend: '{{service}}' }],
        },
        {
          title: 'Responses by status',
          description:
            'Requests per second by service and status code: 4xx are client mistakes, 5xx are ours.',
          unit: 'reqps',
          width: 8,
          stack: true,
          targets: [
            {
              expr: `sum by (service, status) (rate(http_requests_total{${HTTP}}[$__rate_interval]))`,
              legend: '{{service}} {{status}}',
            },
          ],
        },
        {
          title: 'Purchase latency',
          description:
            'p50, p95 and p99 of POST /purchase latency (201 only after Kafka acknowledged); the dashed line is the 100 ms p99 SLO.',
          unit: 's',
          thresholds: [{ value: 0.1, color: 'red' }],
          targets: latencyOf('purchase'),
        },
        {
          title: 'Store latency',
          description: 'p50, p95 and p99 of the store API latency; the dashed line is the 10 ms p99 SLO.',
          unit: 's',
          thresholds: [{ value: 0.01, color: 'red' }],
          targets: latencyOf('store'),
        },
      ],
    },
    {
      title: 'Pipeline (purchase → Kafka → consumer → shards)',
      panels: [
        {
          title: 'Ingest vs drain',
          description:
            'Events the purchase service published per second against purchase rows the consumers newly wrote (and duplicates they skipped). Drain below ingest for long means lag grows.',
          unit: 'ops',
          targets: [
            {
              expr: 'sum(rate(purchase_events_produced_total[$__rate_interval]))',
              legend: 'ingest: events produced',
            },
            {
              expr: 'sum(rate(consumer_rows_written_total[$__rate_interval]))',
              legend: 'drain: rows written',
            },
            {
              expr: 'sum(rate(consumer_duplicates_skipped_total[$__rate_interval]))',
              legend: 'duplicates skipped',
            },
          ],
        },
        {
          title: 'Consumer lag per partition',
          description:
            'Messages in each partition not yet applied to the shards. A drained pipeline sits near 0; ConsumerLagGrowing fires when the total keeps growing for 5 minutes.',
          unit: 'short',
          targets: [{ expr: 'max by (partition) (consumer_lag)', legend: 'partition {{partition}}' }],
        },
        {
          title: 'Freshness',
          description:
            'Time from the purchase being accepted (receivedAt) to its shard transaction committing: p50, p95 and p99. The dashed line is the 5 s p99 objective.',
          unit: 's',
          width: 8,
          thresholds: [{ value: 5, color: 'red' }],
          targets: percentiles('consumer_freshness_seconds', '', [], ''),
        },
        {
          title: 'Dead-lettered events',
          description:
            'Events sent to the dead-letter topic since each consumer started, by reason. Any step up fires DeadLetterEvents.',
          unit: 'short',
          width: 8,
          targets: [{ expr: 'sum by (reason) (consumer_dlq_events_total)', legend: '{{reason}}' }],
        },
        {
          title: 'Kafka connections',
          description: 'Whether each purchase producer and each consumer is connected to the Kafka cluster.',
          type: 'stat',
          unit: 'none',
          width: 8,
          upDown: true,
          targets: [
            { expr: 'min by (instance) (kafka_producer_connected)', legend: 'producer {{instance}}' },
            { expr: 'min by (instance) (kafka_consumer_connected)', legend: 'consumer {{instance}}' },
          ],
        },
      ],
    },
    {
      title: 'Store and shards',
      panels: [
        {
          title: 'Shard query latency p99',
          description:
            'p99 of the store queries to each shard (primary and replica, both queries). One slow shard slows every top-stores fan-out.',
          unit: 's',
          width: 8,
          thresholds: [{ value: 0.01, color: 'red' }],
          targets: [
            {
              expr: 'histogram_quantile(0.99, sum by (shard, le) (rate(store_shard_query_duration_seconds_bucket[$__rate_interval])))',
              legend: 'shard {{shard}}',
            },
          ],
        },
        {
          title: 'Cache hit ratio',
          description:
            'Share of store lookups answered without a shard query: cache hits plus requests coalesced onto one in flight.',
          unit: 'percentunit',
          width: 8,
          min: 0,
          max: 1,
          targets: [
            {
              expr:
                '(sum(rate(store_cache_requests_total{result=~"hit|coalesced"}[$__rate_interval])) or vector(0))' +
                ' / sum(rate(store_cache_requests_total[$__rate_interval]))',
              legend: 'hit ratio',
            },
          ],
        },
        {
          title: 'Shards up',
          description:
            'Whether each shard answers, as seen by each service (the consumer writes, the store reads). ShardDown fires after a minute down.',
          type: 'stat',
          unit: 'none',
          width: 8,
          upDown: true,
          targets: [{ expr: 'min by (service, shard) (shard_up)', legend: '{{service}} shard {{shard}}' }],
        },
      ],
    },
    {
      title: 'Processes',
      panels: [
        {
          title: 'CPU by instance',
          description:
            'CPU cores used by each service instance (all cluster workers of the instance together).',
          unit: 'percentunit',
          width: 8,
          targets: [
            {
              expr: `sum by (service, instance) (rate(process_cpu_seconds_total{${APP}}[$__rate_interval]))`,
              legend: '{{service}} {{instance}}',
            },
          ],
        },
        {
          title: 'Memory by instance',
          description:
            'Resident memory of each service instance (all cluster workers of the instance together).',
          unit: 'bytes',
          width: 8,
          targets: [
            {
              expr: `sum by (service, instance) (process_resident_memory_bytes{${APP}})`,
              legend: '{{service}} {{instance}}',
            },
          ],
        },
        {
          title: 'Scrape targets',
          description: 'Whether Prometheus reaches each instance; TargetDown fires after a minute down.',
          type: 'stat',
          unit: 'none',
          width: 8,
          upDown: true,
          targets: [{ expr: 'up{job=~"purchase|store|consumer"}', legend: '{{job}} {{instance}}' }],
        },
      ],
    },
  ],
};

import { OPS_ROUTES, percentiles, processRow, quantile, type DashboardSpec } from '../panel-kit.js';
import { errorRatio } from './overview.js';
import { instanceVariable } from './service-variables.js';

const S = 'service="purchase", instance=~"$instance"';

export const purchase: DashboardSpec = {
  uid: 'tillstream-purchase',
  title: 'tillstream / Purchase',
  description: 'The write path: POST /purchase, the micro-batching Kafka producer, backpressure.',
  tags: ['purchase'],
  links: true,
  variables: [instanceVariable('purchase')],
  rows: [
    {
      title: 'Requests',
      panels: [
        {
          title: 'Requests by route and status',
          description:
            'Requests per second by route template, method and status (probes and /metrics excluded).',
          unit: 'reqps',
          stack: true,
          targets: [
            {
              expr: `sum by (route, method, status) (rate(http_requests_total{${S}, ${OPS_ROUTES}}[$__rate_interval]))`,
              legend: '{{method}} {{route}} {{status}}',
            },
          ],
        },
        {
          title: 'Error ratio (5xx)',
          description:
            'Share of requests answered 5xx (mostly 503 + Retry-After when shedding or without Kafka).',
          unit: 'percentunit',
          thresholds: [{ value: 0.01, color: 'red' }],
          targets: [{ expr: errorRatio(`${S}, ${OPS_ROUTES}`, 'service'), legend: 'error ratio' }],
        },
        {
          title: 'Request latency',
          description: 'p50, p95 and p99 of all purchase requests; the dashed line is the 100 ms p99 SLO.',
          unit: 's',
          thresholds: [{ value: 0.1, color: 'red' }],
          targets: percentiles('http_request_duration_seconds', `${S}, ${OPS_ROUTES}`, [], ''),
        },
        {
          title: 'p99 latency by route and status',
          description: 'p99 per route and status: a fast 400 and a slow 201 are different stories.',
          unit: 's',
          targets: [
            {
              expr: quantile(0.99, 'http_request_duration_seconds', `${S}, ${OPS_ROUTES}`, [
                'route',
                'status',
              ]),
              legend: '{{route}} {{status}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Kafka producer',
      panels: [
        {
          title: 'Events produced',
          description: 'Purchase events acknowledged by Kafka (acks=all) per second, per instance.',
          unit: 'ops',
          width: 8,
          targets: [
            {
              expr: `sum by (instance) (rate(purchase_events_produced_total{${S}}[$__rate_interval]))`,
              legend: '{{instance}}',
            },
          ],
        },
        {
          title: 'Produce batch size',
          description:
            'Events per Kafka send: the micro-batcher coalesces concurrent requests. Mean and p95; 1 under load means no batching.',
          unit: 'short',
          width: 8,
          targets: [
            {
              expr:
                `sum(rate(purchase_produce_batch_size_sum{${S}}[$__rate_interval]))` +
                ` / sum(rate(purchase_produce_batch_size_count{${S}}[$__rate_interval]))`,
              legend: 'mean',
            },
            { expr: quantile(0.95, 'purchase_produce_batch_size', S), legend: 'p95' },
          ],
        },
        {
          title: 'Produce latency',
          description: 'Time from a batch being sent to Kafka acknowledging it: p50, p95, p99.',
          unit: 's',
          width: 8,
          targets: percentiles('purchase_produce_duration_seconds', S, [], ''),
        },
        {
          title: 'In-flight purchases',
          description:
            'Purchases accepted and waiting for Kafka, per instance. At PURCHASE_MAX_IN_FLIGHT new ones get 503.',
          unit: 'short',
          width: 8,
          targets: [{ expr: `sum by (instance) (purchase_in_flight{${S}})`, legend: '{{instance}}' }],
        },
        {
          title: 'Rejections by reason',
          description:
            'Requests refused per second: in_flight_limit and kafka_unavailable answer 503 (PurchaseRejecting alert), unauthorized answers 401.',
          unit: 'reqps',
          width: 8,
          targets: [
            {
              expr: `sum by (reason) (rate(purchase_rejected_total{${S}}[$__rate_interval]))`,
              legend: '{{reason}}',
            },
          ],
        },
        {
          title: 'Kafka producer connected',
          description: 'Whether each instance has its producer connected (readiness depends on it).',
          type: 'stat',
          unit: 'none',
          width: 8,
          upDown: true,
          targets: [{ expr: `min by (instance) (kafka_producer_connected{${S}})`, legend: '{{instance}}' }],
        },
      ],
    },
    processRow(S),
  ],
};

import { percentiles, processRow, quantile, type DashboardSpec } from '../panel-kit.js';
import { instanceVariable } from './service-variables.js';

const S = 'service="consumer", instance=~"$instance"';

export const consumer: DashboardSpec = {
  uid: 'tillstream-consumer',
  title: 'tillstream / Consumer',
  description: 'Partition consumers writing the shards: throughput, lag, freshness, shard transactions, DLQ.',
  tags: ['consumer'],
  links: true,
  variables: [instanceVariable('consumer')],
  rows: [
    {
      title: 'Throughput',
      panels: [
        {
          title: 'Rows written',
          description:
            'Purchase rows newly inserted per second, and events skipped because their purchaseId was already written (replays, retries).',
          unit: 'ops',
          width: 8,
          targets: [
            {
              expr: `sum by (instance) (rate(consumer_rows_written_total{${S}}[$__rate_interval]))`,
              legend: 'written {{instance}}',
            },
            {
              expr: `sum by (instance) (rate(consumer_duplicates_skipped_total{${S}}[$__rate_interval]))`,
              legend: 'duplicates {{instance}}',
            },
          ],
        },
        {
          title: 'Batch size',
          description: 'Messages per Kafka batch handed to the writer: mean and p95.',
          unit: 'short',
          width: 8,
          targets: [
            {
              expr:
                `sum(rate(consumer_batch_size_sum{${S}}[$__rate_interval]))` +
                ` / sum(rate(consumer_batch_size_count{${S}}[$__rate_interval]))`,
              legend: 'mean',
            },
            { expr: quantile(0.95, 'consumer_batch_size', S), legend: 'p95' },
          ],
        },
        {
          title: 'Rebalances',
          description: 'Consumer-group rebalances each instance went through since it started (cumulative).',
          unit: 'short',
          width: 8,
          targets: [{ expr: `sum by (instance) (consumer_rebalances_total{${S}})`, legend: '{{instance}}' }],
        },
      ],
    },
    {
      title: 'Lag and freshness',
      panels: [
        {
          title: 'Lag per partition',
          description: 'Messages behind the log end, per partition and owning instance.',
          unit: 'short',
          targets: [
            {
              expr: `sum by (instance, partition) (consumer_lag{${S}})`,
              legend: 'p{{partition}} {{instance}}',
            },
          ],
        },
        {
          title: 'Total lag',
          description:
            'Messages behind over all partitions, per instance; ConsumerLagGrowing watches its slope.',
          unit: 'short',
          width: 6,
          targets: [{ expr: `sum by (instance) (consumer_lag{${S}})`, legend: '{{instance}}' }],
        },
        {
          title: 'Partitions paused',
          description:
            'Partitions paused while their shard is retried (transient errors back off on the partition, never the DLQ).',
          unit: 'short',
          width: 6,
          targets: [{ expr: `sum by (instance) (consumer_partitions_paused{${S}})`, legend: '{{instance}}' }],
        },
        {
          title: 'Freshness',
          description:
            'Commit time minus the event receivedAt: how old a purchase is when it becomes visible in the aggregates. p50, p95, p99; dashed line 5 s.',
          unit: 's',
          thresholds: [{ value: 5, color: 'red' }],
          targets: percentiles('consumer_freshness_seconds', S, [], ''),
        },
        {
          title: 'Dead-lettered events',
          description: 'Events published to the DLQ since each instance started, by reason (cumulative).',
          unit: 'short',
          targets: [{ expr: `sum by (reason) (consumer_dlq_events_total{${S}})`, legend: '{{reason}}' }],
        },
      ],
    },
    {
      title: 'Shards and Kafka',
      panels: [
        {
          title: 'Shard transaction latency',
          description:
            'Duration of the one transaction per shard per batch (rows, items, aggregates, offsets): p50 and p99.',
          unit: 's',
          targets: [
            {
              expr: quantile(0.5, 'consumer_shard_transaction_duration_seconds', S, ['shard']),
              legend: 'shard {{shard}} p50',
            },
            {
              expr: quantile(0.99, 'consumer_shard_transaction_duration_seconds', S, ['shard']),
              legend: 'shard {{shard}} p99',
            },
          ],
        },
        {
          title: 'Retries by shard',
          description:
            'Shard transactions retried per second after a transient error (connection lost, serialization).',
          unit: 'ops',
          targets: [
            {
              expr: `sum by (shard) (rate(consumer_retries_total{${S}}[$__rate_interval]))`,
              legend: 'shard {{shard}}',
            },
          ],
        },
        {
          title: 'Shards up',
          description: 'Whether each instance reaches each shard; ShardDown fires after a minute down.',
          type: 'stat',
          unit: 'none',
          upDown: true,
          targets: [{ expr: `min by (shard) (shard_up{${S}})`, legend: 'shard {{shard}}' }],
        },
        {
          title: 'Kafka consumer connected',
          description:
            'Whether each instance is connected to Kafka; KafkaConsumerDisconnected fires after a minute.',
          type: 'stat',
          unit: 'none',
          upDown: true,
          targets: [{ expr: `min by (instance) (kafka_consumer_connected{${S}})`, legend: '{{instance}}' }],
        },
      ],
    },
    processRow(S),
  ],
};

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS } from '@tillstream/observability';

/** The consumer's metrics; names and labels are a contract with the dashboards (deploy/grafana). */
export interface ConsumerMetrics {
  readonly lag: Gauge<'partition'>;
  readonly batchSize: Histogram;
  readonly rowsWritten: Counter;
  readonly duplicatesSkipped: Counter;
  readonly transactionDuration: Histogram<'shard'>;
  readonly dlqEvents: Counter<'reason'>;
  readonly idempotencyKeyConflicts: Counter;
  readonly retries: Counter<'shard'>;
  readonly rebalances: Counter;
  readonly freshness: Histogram;
  readonly partitionsPaused: Gauge;
  readonly partitionBlocked: Gauge<'partition' | 'reason'>;
  readonly shardUp: Gauge<'shard'>;
  readonly kafkaConnected: Gauge;
}

export function createConsumerMetrics(registry: Registry, shardCount: number): ConsumerMetrics {
  const registers = [registry];
  const metrics: ConsumerMetrics = {
    lag: new Gauge({
      name: 'consumer_lag',
      help: 'Messages between the partition high watermark and the next offset this consumer will apply',
      labelNames: ['partition'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'consumer_batch_size',
      help: 'Messages per fetched partition batch',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    rowsWritten: new Counter({
      name: 'consumer_rows_written_total',
      help: 'Purchase rows newly inserted (each purchase counts once, whatever its line items)',
      registers,
    }),
    duplicatesSkipped: new Counter({
      name: 'consumer_duplicates_skipped_total',
      help: 'Events not applied because they were already applied: redelivered offsets and repeated purchaseIds',
      registers,
    }),
    transactionDuration: new Histogram({
      name: 'consumer_shard_transaction_duration_seconds',
      help: 'Duration of one batch transaction on a shard, BEGIN to COMMIT',
      labelNames: ['shard'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    idempotencyKeyConflicts: new Counter({
      name: 'consumer_idempotency_key_conflicts_total',
      help: 'Purchases whose Idempotency-Key already named another purchase (counted all the same)',
      registers,
    }),
    dlqEvents: new Counter({
      name: 'consumer_dlq_events_total',
      help: 'Poison events sent to the dead-letter topic, by reason',
      labelNames: ['reason'],
      registers,
    }),
    retries: new Counter({
      name: 'consumer_retries_total',
      help: 'Batch transactions that failed transiently and will be retried, by shard',
      labelNames: ['shard'],
      registers,
    }),
    rebalances: new Counter({
      name: 'consumer_rebalances_total',
      help: 'Consumer group rebalances this member took part in',
      registers,
    }),
    freshness: new Histogram({
      name: 'consumer_freshness_seconds',
      help: 'Commit time of a purchase on its shard minus the event receivedAt (end-to-end write latency)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    partitionsPaused: new Gauge({
      name: 'consumer_partitions_paused',
      help: 'Partitions paused while a transient failure is retried with backoff',
      registers,
    }),
    partitionBlocked: new Gauge({
      name: 'consumer_partition_blocked',
      help: 'Whether a partition is stopped (1) because its shard offsets belong to another topic incarnation (reason topic-recreated) or lie beyond its log end (offset-beyond-log-end); see the offsets-cli recovery command',
      labelNames: ['partition', 'reason'],
      registers,
    }),
    shardUp: new Gauge({
      name: 'shard_up',
      help: 'Whether the last probe or transaction on the shard succeeded (1) or not (0)',
      labelNames: ['shard'],
      registers,
    }),
    kafkaConnected: new Gauge({
      name: 'kafka_consumer_connected',
      help: 'Whether the consumer is connected and a member of its group (1) or not (0)',
      registers,
    }),
  };
  for (let shard = 0; shard < shardCount; shard++) {
    const label = { shard: String(shard) };
    metrics.shardUp.set(label, 0);
    metrics.retries.inc(label, 0);
    metrics.transactionDuration.zero(label);
  }
  metrics.kafkaConnected.set(0);
  metrics.partitionsPaused.set(0);
  return metrics;
}

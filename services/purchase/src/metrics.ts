import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS } from '@tillstream/observability';

/** Why a purchase was refused with a non-4xx answer (the `reason` label; a closed set). */
export type RejectionReason =
  'in_flight_limit' | 'kafka_unavailable' | 'unauthorized' | 'idempotency_key_reused';

/**
 * The purchase service's own metrics; names and labels are a contract with the dashboards. In a
 * cluster every worker has its own and /metrics sums them, except `kafka_producer_connected`, which
 * is the minimum over workers (1 only while every worker's producer is connected).
 */
export interface PurchaseMetrics {
  readonly eventsProduced: Counter;
  readonly batchSize: Histogram;
  readonly produceDuration: Histogram;
  readonly inFlight: Gauge;
  readonly inFlightBytes: Gauge;
  readonly rejected: Counter<'reason'>;
  readonly producerConnected: Gauge;
}

export function createPurchaseMetrics(registry: Registry): PurchaseMetrics {
  const registers = [registry];
  const rejected = new Counter({
    name: 'purchase_rejected_total',
    help: 'Purchases refused by the service, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const reasons: RejectionReason[] = [
    'in_flight_limit',
    'kafka_unavailable',
    'unauthorized',
    'idempotency_key_reused',
  ];
  for (const reason of reasons) {
    rejected.inc({ reason }, 0);
  }
  return {
    eventsProduced: new Counter({
      name: 'purchase_events_produced_total',
      help: 'Purchase events acknowledged by Kafka',
      registers,
    }),
    batchSize: new Histogram({
      name: 'purchase_produce_batch_size',
      help: 'Events per produce request',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      registers,
    }),
    produceDuration: new Histogram({
      name: 'purchase_produce_duration_seconds',
      help: 'Time from sending a batch to Kafka to its acknowledgement (or failure)',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    inFlight: new Gauge({
      name: 'purchase_in_flight',
      help: 'Purchases accepted and waiting for Kafka to acknowledge',
      registers,
    }),
    inFlightBytes: new Gauge({
      name: 'purchase_in_flight_bytes',
      help: 'Bytes the purchases waiting for Kafka are counted for (PURCHASE_MAX_IN_FLIGHT_BYTES)',
      registers,
    }),
    rejected,
    producerConnected: new Gauge({
      name: 'kafka_producer_connected',
      help: '1 while the Kafka producer is connected and the topic is usable',
      aggregator: 'min',
      registers,
    }),
  };
}

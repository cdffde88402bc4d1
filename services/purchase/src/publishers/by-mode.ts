import type { Logger } from '@tillstream/observability';
import type { PurchaseConfig } from '../config.js';
import { KafkaPublisher } from '../kafka-publisher.js';
import type { Publisher } from '../publisher.js';
import { RabbitMqPublisher } from './rabbitmq.js';
import { SyncDbPublisher } from './sync-db.js';

type BatchOptions = PurchaseConfig['batch'];

/**
 * The publisher of the configured MODE. The baselines publish one purchase per call, as the
 * classic designs do: the batcher then acts as the pool's queue (one message per batch, as many sends
 * at once as the pool has connections or channels), keeping the in-flight limit and the timeout.
 */
export function publisherForMode(
  config: PurchaseConfig,
  log: Logger,
  onConnectedChange: (connected: boolean) => void,
): { publisher: Publisher; batch: BatchOptions } {
  const { baseline } = config;
  const oneAtATime = (concurrency: number): BatchOptions => ({
    maxMessages: 1,
    maxBytes: config.batch.maxBytes,
    lingerMs: 0,
    concurrency,
  });
  switch (baseline.mode) {
    case 'sync-db':
      return {
        publisher: new SyncDbPublisher({
          url: baseline.dbUrl,
          poolMax: baseline.dbPoolMax,
          connectionTimeoutMs: config.kafka.connectionTimeoutMs,
          reconnectBackoffMs: config.kafka.reconnectBackoffMs,
          log,
          onConnectedChange,
        }),
        batch: oneAtATime(baseline.dbPoolMax),
      };
    case 'rabbitmq':
      return {
        publisher: new RabbitMqPublisher({
          url: baseline.rabbitmqUrl,
          queue: baseline.rabbitmqQueue,
          channels: baseline.rabbitmqChannels,
          reconnectBackoffMs: config.kafka.reconnectBackoffMs,
          log,
          onConnectedChange,
        }),
        batch: oneAtATime(baseline.rabbitmqChannels),
      };
    case 'kafka-sharded':
      return {
        publisher: new KafkaPublisher({ ...config.kafka, log, onConnectedChange }),
        batch: config.batch,
      };
  }
}

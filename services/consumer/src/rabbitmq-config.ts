import { int, urlList, z } from '@tillstream/config';

export type ConsumerMode = 'kafka-sharded' | 'rabbitmq';

/** The options of the rabbitmq baseline; unused in kafka-sharded mode. */
export const RABBITMQ_SHAPE = {
  /**
   * kafka-sharded: consume the partitioned topic into the shards; rabbitmq: consume one durable queue
   * into one Postgres (the first of SHARD_URLS). MODE=sync-db needs no consumer.
   */
  MODE: z.enum(['kafka-sharded', 'rabbitmq']).default('kafka-sharded'),
  RABBITMQ_URL: urlList(['amqp:', 'amqps:'], ['amqp://guest:guest@127.0.0.1:5672']),
  RABBITMQ_QUEUE: z.string().default('purchases'),
  /** Unacknowledged deliveries the broker may push (basic.qos); also the largest batch written at once. */
  RABBITMQ_PREFETCH: int(500, 1, 65_535),
  /** A batch is written when it holds RABBITMQ_PREFETCH deliveries or its first has waited this long. */
  RABBITMQ_BATCH_LINGER_MS: int(20, 0, 10_000),
  /** How often the queue depth is read for consumer_lag. */
  RABBITMQ_DEPTH_INTERVAL_MS: int(1_000, 100, 600_000),
};

export interface RabbitMqConsumerConfig {
  /** Secret (non-enumerable): it may hold a password. */
  readonly url: string;
  readonly queue: string;
  readonly prefetch: number;
  readonly batchLingerMs: number;
  readonly depthIntervalMs: number;
}

export function rabbitmqConfig(e: {
  RABBITMQ_URL: string[];
  RABBITMQ_QUEUE: string;
  RABBITMQ_PREFETCH: number;
  RABBITMQ_BATCH_LINGER_MS: number;
  RABBITMQ_DEPTH_INTERVAL_MS: number;
}): RabbitMqConsumerConfig {
  const config = {
    queue: e.RABBITMQ_QUEUE,
    prefetch: e.RABBITMQ_PREFETCH,
    batchLingerMs: e.RABBITMQ_BATCH_LINGER_MS,
    depthIntervalMs: e.RABBITMQ_DEPTH_INTERVAL_MS,
  } as RabbitMqConsumerConfig;
  Object.defineProperty(config, 'url', { value: e.RABBITMQ_URL[0] ?? '', enumerable: false });
  return config;
}

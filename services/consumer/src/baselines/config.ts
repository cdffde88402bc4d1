import { loadConfig, int, urlList, z, ConfigError } from '@tillstream/config';
import {
  PROCESS_SHAPE,
  SHARD_SHAPE,
  processConfig,
  shardPoolOptions,
  type ProcessConfig,
  type ShardPoolOptions,
} from '../config.js';

/**
 * The rabbitmq baseline's consumer (baselines/main.ts): the process settings every consumer has, the
 * one database it writes (the first of SHARD_URLS, with the shard pool's settings) and the queue.
 */
const shape = {
  ...PROCESS_SHAPE,
  ...SHARD_SHAPE,
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

export interface RabbitMqBaselineConfig extends ProcessConfig {
  /** The database: the first of SHARD_URLS (the others are ignored), with the shard pool's settings. */
  readonly database: ShardPoolOptions;
  readonly rabbitmq: RabbitMqConsumerConfig;
}

/** Parses and freezes the baseline's config; throws `ConfigError` naming every bad variable. */
export function loadRabbitMqBaselineConfig(
  env: Record<string, string | undefined>,
): Readonly<RabbitMqBaselineConfig> {
  return loadConfig(shape, env, (e) => {
    const problems: string[] = [];
    const base = processConfig(e, problems);
    if (problems.length > 0) throw new ConfigError(problems);
    const rabbitmq = {
      queue: e.RABBITMQ_QUEUE,
      prefetch: e.RABBITMQ_PREFETCH,
      batchLingerMs: e.RABBITMQ_BATCH_LINGER_MS,
      depthIntervalMs: e.RABBITMQ_DEPTH_INTERVAL_MS,
    } as RabbitMqConsumerConfig;
    Object.defineProperty(rabbitmq, 'url', { value: e.RABBITMQ_URL[0] ?? '', enumerable: false });
    return { ...base, database: shardPoolOptions(e), rabbitmq };
  });
}

import type { Registry } from 'prom-client';
import type { Logger } from '@tillstream/observability';
import type { ConsumerConfig } from './config.js';
import { closeHealth, createHealthServer, listenHealth } from './http.js';
import { createConsumerMetrics } from './metrics.js';
import { startRabbitMqConsumer, type RabbitMqConsumer } from './rabbitmq-consumer.js';
import { startShardProbe } from './shard-probe.js';
import { createSingleDbWriter } from './single-db-writer.js';

/**
 * The composition of MODE=rabbitmq (a baseline design), called from main.ts: one queue into one
 * Postgres (the first of SHARD_URLS); the same probes, metrics and graceful stop as the Kafka mode.
 */
export async function runRabbitMqMode(
  config: ConsumerConfig,
  log: Logger,
  registry: Registry,
): Promise<void> {
  const metrics = createConsumerMetrics(registry, 1);
  const writer = createSingleDbWriter(config.shards, log);
  // Set once connected; the probes and the shutdown may run before.
  const running: { consumer?: RabbitMqConsumer } = {};
  const server = createHealthServer({ registry, isReady: () => running.consumer?.isReady() ?? false });
  await listenHealth(server, config.port, config.host);
  const probe = startShardProbe({
    probe: () => writer.probe(),
    shardCount: 1,
    intervalMs: config.shards.probeIntervalMs,
    metrics,
    log,
  });

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      const timer = setTimeout(() => {
        log.error('graceful shutdown timed out; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs);
      timer.unref();
      probe.stop();
      await running.consumer
        ?.stop()
        .catch((error: Error) => log.error({ err: error.message }, 'consumer stop failed'));
      await writer.end();
      await closeHealth(server);
      log.info('stopped');
      process.exit(0);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  running.consumer = await startRabbitMqConsumer({
    config: config.rabbitmq,
    write: (events) => writer.write(events),
    retry: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
    metrics,
    log,
    now: () => Date.now(),
  });
}

/**
 * The composition root of the rabbitmq baseline's consumer (`node dist/baselines/main.js`): one
 * durable queue into one PostgreSQL (the first of SHARD_URLS), with the same health endpoints,
 * metrics, probe and lifecycle as the designed consumer (../main.ts), which knows nothing of it.
 */
import { loadOrExit, redactUrl } from '@tillstream/config';
import { runService } from '@tillstream/http-kit';
import { createLogger, createRegistry } from '@tillstream/observability';
import { closeHealth, createHealthServer, listenHealth } from '../http.js';
import { createConsumerMetrics } from '../metrics.js';
import { startShardProbe } from '../shard-probe.js';
import { loadRabbitMqBaselineConfig } from './config.js';
import { startRabbitMqConsumer, type RabbitMqConsumer } from './rabbitmq-consumer.js';
import { createSingleDbWriter } from './single-db-writer.js';

const config = loadOrExit(loadRabbitMqBaselineConfig);
const log = createLogger('consumer', config.logLevel);
log.info(
  {
    config: {
      ...config,
      database: { ...config.database, urls: config.database.urls.slice(0, 1).map(redactUrl) },
    },
    mode: 'rabbitmq',
  },
  'starting',
);

await runService({
  workers: 1,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  log,
  async start() {
    const registry = createRegistry('consumer');
    const metrics = createConsumerMetrics(registry, 1);
    const writer = createSingleDbWriter(config.database, log);
    // Set once connected; the probes and a stop may come before.
    const running: { consumer?: RabbitMqConsumer } = {};
    const server = createHealthServer({ registry, isReady: () => running.consumer?.isReady() ?? false });
    await listenHealth(server, config.port, config.host);
    const probe = startShardProbe({
      probe: () => writer.probe(),
      shardCount: 1,
      intervalMs: config.database.probeIntervalMs,
      metrics,
      log,
    });
    const consumer = await startRabbitMqConsumer({
      config: config.rabbitmq,
      write: (events) => writer.write(events),
      retry: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
      metrics,
      log,
      now: () => Date.now(),
    });
    running.consumer = consumer;
    return async () => {
      probe.stop();
      await consumer
        .stop()
        .catch((error: Error) => log.error({ err: error.message }, 'consumer stop failed'));
      await writer.end();
      await closeHealth(server);
      log.info('stopped');
    };
  },
});

import { loadOrExit, redactUrl } from '@tillstream/config';
import {
  ShardIdentityError,
  assertTopology,
  createShardIdentityVerifier,
  shardOfPartition,
} from '@tillstream/contract';
import { runService, type Lifecycle, type Stop } from '@tillstream/http-kit';
import { describeShardUrl, readShardIdentityAt } from '@tillstream/schema';
import { createLogger, createRegistry } from '@tillstream/observability';
import { createBatchProcessor } from './domain/batch-processor.js';
import { loadConsumerConfig, type ConsumerConfig } from './config.js';
import { closeHealth, createHealthServer, listenHealth } from './http.js';
import { createDeadLetterProducer, createKafka } from './kafka-client.js';
import { startConsumerRunner, type ConsumerRunner } from './kafka-consumer.js';
import { createLagTracker } from './domain/lag.js';
import { createConsumerMetrics } from './metrics.js';
import { createRetryScheduler } from './domain/partition-retry.js';
import { createShardStore, type PgShardStore } from './repository.js';
import { startShardProbe } from './shard-probe.js';
import { createTopicIdReader } from './topic-id.js';

/**
 * The composition root: parses the config once, checks the shard map against the shards, then builds
 * the real dependencies (pg shard store, kafkajs consumer and dead-letter producer, clock, timers,
 * metrics) and starts the consumer group. The baseline designs have their own (baselines/main.ts).
 */
const config = loadOrExit(loadConsumerConfig);
const log = createLogger('consumer', config.logLevel);
log.info(
  { config: { ...config, shards: { ...config.shards, urls: config.shards.urls.map(redactUrl) } } },
  'starting',
);
await runService({
  workers: 1,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  log,
  start: (lifecycle) => startConsumer(config, lifecycle),
});

async function startConsumer(config: Readonly<ConsumerConfig>, lifecycle: Lifecycle): Promise<Stop> {
  const topology = { partitionCount: config.kafka.partitions, shardCount: config.shards.urls.length };
  assertTopology(topology);

  const registry = createRegistry('consumer');
  const metrics = createConsumerMetrics(registry, topology.shardCount);
  let runner: ConsumerRunner | undefined;

  // SHARD_URLS order is the shard map: every shard must be the one its position says (its identity
  // row, written by the migration). Shards that answer are checked now; one that is down is checked
  // before its first transaction. A mismatch stops the process (exit 3) before anything is written.
  const identities = createShardIdentityVerifier({
    expected: topology,
    read: (entry) => readShardIdentityAt(config.shards.urls[entry]!),
    label: (entry) => describeShardUrl(config.shards.urls[entry]!),
  });
  const refuse = (error: ShardIdentityError): never => {
    for (const problem of error.problems) console.error(`SHARD_IDENTITY_MISMATCH: ${problem}`);
    log.fatal({ code: error.code, problems: error.problems }, 'refusing to start: shard identity mismatch');
    process.exit(3);
  };
  try {
    const { unreachable } = await identities.verifyAll();
    for (const { entry, error } of unreachable) {
      log.warn(
        { shard: entry, err: error.message },
        'shard identity not checked yet (unreachable); checked before first use',
      );
    }
    log.info({ cluster: identities.clusterId(), shards: topology.shardCount }, 'shard identities verified');
  } catch (error) {
    if (error instanceof ShardIdentityError) refuse(error);
    throw error;
  }
  const verified = async (shard: number): Promise<void> => {
    try {
      await identities.verify(shard);
    } catch (error) {
      if (error instanceof ShardIdentityError) refuse(error);
      throw error;
    }
  };
  const pgStore = createShardStore(config.shards, log, (partition) => runner?.expectation(partition) ?? {});
  const store: PgShardStore = {
    ...pgStore,
    async transaction(shard, work) {
      await verified(shard);
      return pgStore.transaction(shard, work);
    },
    async readOffsets(shard, topic, partitions) {
      await verified(shard);
      return pgStore.readOffsets(shard, topic, partitions);
    },
  };
  const kafka = createKafka(config.kafka, log, {
    onOffsetOutOfRange: (topic, partition) => runner?.offsetOutOfRange(topic, partition),
  });
  const deadLetters = createDeadLetterProducer(kafka, config.kafka.dlqTopic);
  const topicIds = createTopicIdReader(config.kafka.brokers, config.kafka.topic, {
    clientId: config.kafka.clientId,
    timeoutMs: 5_000,
  });

  // /healthz answers from the first moment; /readyz only once the group is joined.
  const server = createHealthServer({ registry, isReady: () => runner?.isReady() ?? false });
  await listenHealth(server, config.port, config.host);
  const probe = startShardProbe({
    probe: (shard) => store.probe(shard),
    shardCount: topology.shardCount,
    intervalMs: config.shards.probeIntervalMs,
    metrics,
    log,
  });

  const stop: Stop = async () => {
    probe.stop();
    await runner?.stop().catch((error: Error) => log.error({ err: error.message }, 'consumer stop failed'));
    await deadLetters.disconnect().catch(() => undefined);
    topicIds.close();
    await store.end();
    await closeHealth(server);
    log.info('stopped');
  };
  try {
    await deadLetters.connect();
    runner = await startConsumerRunner({
      kafka,
      config: config.kafka,
      processBatch: createBatchProcessor({
        store,
        deadLetters,
        topology,
        groupId: config.kafka.groupId,
        limits: { maxEvents: config.maxEventsPerTransaction, maxItems: config.maxItemsPerTransaction },
        now: () => new Date(),
        metrics,
        log,
      }),
      retry: createRetryScheduler({
        policy: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
        random: Math.random,
        setTimer: (callback, ms) => setTimeout(callback, ms),
        clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
        onPausedChange: (paused) => metrics.partitionsPaused.set(paused),
      }),
      lag: createLagTracker(),
      metrics,
      log,
      lagIntervalMs: config.lagIntervalMs,
      shardOf: (partition) => shardOfPartition(partition, topology),
      readStoredOffsets: (shard, partitions) => store.readOffsets(shard, config.kafka.topic, partitions),
      readTopicId: async () => (await topicIds.read()).topicId,
      onFatal: (error) => {
        log.fatal({ err: error.message }, 'consumer cannot continue');
        lifecycle.fail('consumer crashed');
      },
    });
  } catch (error) {
    // What started is stopped (the returned Stop) before the process exits 1.
    log.fatal({ err: (error as Error).message, code: (error as { code?: string }).code }, 'start failed');
    lifecycle.fail('start failed');
  }
  return stop;
}

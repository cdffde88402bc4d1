import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '@tillstream/observability';
import type { ConsumerConfig } from './config.js';
import { ConsumerError } from './errors.js';
import type { LagTracker } from './lag.js';
import type { ConsumerMetrics } from './metrics.js';
import type { RetryScheduler } from './partition-retry.js';
import type { ProcessBatch } from './batch-processor.js';

export interface ConsumerRunnerDeps {
  readonly kafka: Kafka;
  readonly config: ConsumerConfig['kafka'];
  readonly processBatch: ProcessBatch;
  readonly retry: RetryScheduler;
  readonly lag: LagTracker;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  readonly lagIntervalMs: number;
  /** The consumer crashed for good (kafkajs gave up restarting): the process should exit. */
  readonly onFatal: (error: Error) => void;
}

export interface ConsumerRunner {
  /** Connected to Kafka and a member of the group. */
  isReady(): boolean;
  /** Stops fetching, lets the current batches finish or abandon at a chunk boundary, commits, leaves. */
  stop(): Promise<void>;
}

/** Fails when the topic is missing or its partition count is not the one the shard map is built on. */
export async function assertTopicPartitions(admin: Admin, topic: string, expected: number): Promise<void> {
  let actual: number;
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    actual = metadata.topics[0]?.partitions.length ?? 0;
  } catch (error) {
    throw new ConsumerError('TOPIC_MISMATCH', `topic ${topic}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (actual !== expected) {
    throw new ConsumerError(
      'TOPIC_MISMATCH',
      `topic ${topic} has ${actual} partitions but KAFKA_PARTITIONS is ${expected}; the shard map would place stores on the wrong shards`,
    );
  }
}

export async function startConsumerRunner(deps: ConsumerRunnerDeps): Promise<ConsumerRunner> {
  const { kafka, config, retry, lag, metrics, log } = deps;
  const admin = kafka.admin();
  await admin.connect();
  await assertTopicPartitions(admin, config.topic, config.partitions);

  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.sessionTimeoutMs,
    rebalanceTimeout: config.rebalanceTimeoutMs,
    heartbeatInterval: config.heartbeatIntervalMs,
    maxWaitTimeInMs: config.maxWaitTimeMs,
    minBytes: config.minBytes,
    maxBytes: config.maxBytes,
    maxBytesPerPartition: config.maxBytesPerPartition,
    allowAutoTopicCreation: false,
  });

  let connected = false;
  let joined = false;
  let stopping = false;
  const setConnected = () => metrics.kafkaConnected.set(connected && joined ? 1 : 0);

  const publishLag = () => {
    for (const [partition, value] of lag.lags()) metrics.lag.set({ partition: String(partition) }, value);
  };

  consumer.on(consumer.events.CONNECT, () => {
    connected = true;
    setConnected();
  });
  consumer.on(consumer.events.DISCONNECT, () => {
    connected = false;
    joined = false;
    setConnected();
  });
  consumer.on(consumer.events.STOP, () => {
    joined = false;
    setConnected();
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    joined = true;
    setConnected();
    metrics.rebalances.inc();
    const partitions = payload.memberAssignment[config.topic] ?? [];
    for (const dropped of lag.assign(partitions)) metrics.lag.remove({ partition: String(dropped) });
    retry.retain(lag.assigned());
    log.info(
      { memberId: payload.memberId, partitions, leader: payload.isLeader },
      'joined the consumer group',
    );
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    joined = false;
    setConnected();
    log.error({ err: payload.error.message, restart: payload.restart }, 'consumer crashed');
    if (!payload.restart && !stopping) deps.onFatal(payload.error);
  });

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const partition = batch.partition;
    lag.recordHighWatermark(partition, Number(batch.highWatermark));
    const outcome = await deps.processBatch(
      { topic: batch.topic, partition, messages: batch.messages },
      {
        resolveOffset: payload.resolveOffset,
        heartbeat: payload.heartbeat,
        isRunning: payload.isRunning,
        isStale: payload.isStale,
      },
    );
    if (outcome.position !== undefined) lag.recordPosition(partition, outcome.position);
    if (outcome.kind === 'retry' && !stopping) {
      // Pause only this partition and return: the fetch loop goes on for every other partition, and
      // on resume the batch is fetched again from its last resolved offset.
      const resume = payload.pause();
      const delayMs = retry.schedule(partition, resume);
      log.info(
        { partition, shard: outcome.shard, attempt: retry.attempt(partition), delayMs },
        'partition paused',
      );
    } else if (outcome.kind === 'completed') {
      retry.succeeded(partition);
    }
    await payload.commitOffsetsIfNecessary();
    publishLag();
  }

  // Paused and idle partitions produce no batches; the broker's view keeps their lag current.
  async function refreshLag(): Promise<void> {
    const [offsets, committed] = await Promise.all([
      admin.fetchTopicOffsets(config.topic),
      admin.fetchOffsets({ groupId: config.groupId, topics: [config.topic] }),
    ]);
    const low = new Map(offsets.map((o) => [o.partition, Number(o.low)]));
    for (const o of offsets) lag.recordHighWatermark(o.partition, Number(o.high));
    for (const p of committed[0]?.partitions ?? []) {
      const offset = Number(p.offset);
      lag.recordCommitted(p.partition, offset >= 0 ? offset : (low.get(p.partition) ?? 0));
    }
    publishLag();
  }
  let refreshing = false;
  const lagTimer = setInterval(() => {
    if (refreshing || !joined) return;
    refreshing = true;
    refreshLag()
      .catch((error: Error) => log.debug({ err: error.message }, 'lag refresh failed'))
      .finally(() => (refreshing = false));
  }, deps.lagIntervalMs);
  lagTimer.unref();

  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: config.fromBeginning });
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
    eachBatch,
  });

  return {
    isReady: () => connected && joined && !stopping,
    async stop() {
      stopping = true;
      clearInterval(lagTimer);
      retry.cancelAll();
      // kafkajs: stop fetching, wait for running batches (ours stop at a chunk boundary once
      // isRunning() is false), commit resolved offsets, leave the group, close connections.
      await consumer.disconnect();
      await admin.disconnect().catch(() => undefined);
    },
  };
}

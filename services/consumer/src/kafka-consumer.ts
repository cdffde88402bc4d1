import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '@tillstream/observability';
import type { ConsumerConfig } from './config.js';
import { ConsumerError } from './errors.js';
import type { BlockReason, PartitionLog } from './domain/assignment.js';
import type { LagTracker } from './domain/lag.js';
import type { ConsumerMetrics } from './metrics.js';
import type { PartitionExpectation, StoredOffset } from './types.js';
import { createPartitionGate } from './domain/partition-gate.js';
import type { RetryScheduler } from './domain/partition-retry.js';
import type { ProcessBatch } from './domain/batch-processor.js';

export interface ConsumerRunnerDeps {
  readonly kafka: Kafka;
  readonly config: ConsumerConfig['kafka'];
  readonly processBatch: ProcessBatch;
  readonly retry: RetryScheduler;
  readonly lag: LagTracker;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  readonly lagIntervalMs: number;
  /** The shard that owns a partition, and what it has stored of it. */
  readonly shardOf: (partition: number) => number;
  readonly readStoredOffsets: (
    shard: number,
    partitions: readonly number[],
  ) => Promise<Map<number, StoredOffset>>;
  /** The topic's id (its incarnation); undefined when the broker has none. */
  readonly readTopicId: () => Promise<string | undefined>;
  /** The consumer crashed for good (kafkajs gave up restarting): the process should exit. */
  readonly onFatal: (error: Error) => void;
}

export interface ConsumerRunner {
  /** Connected to Kafka and a member of the group. */
  isReady(): boolean;
  /** Stops fetching, lets the current batches finish or abandon at a chunk boundary, commits, leaves. */
  stop(): Promise<void>;
  /** What a shard transaction must find for the partition: its incarnation and, mid-batch, its position. */
  expectation(partition: number): PartitionExpectation;
  /** kafkajs found the partition's position outside its log and is about to reset it. */
  offsetOutOfRange(topic: string, partition: number): void;
}

const BLOCK_REASONS: readonly BlockReason[] = ['topic-recreated', 'offset-beyond-log-end'];

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

  const gate = createPartitionGate({
    shardOf: deps.shardOf,
    readStored: deps.readStoredOffsets,
    readLog: async () => {
      const offsets = await admin.fetchTopicOffsets(config.topic);
      return new Map<number, PartitionLog>(
        offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]),
      );
    },
    readTopicId: deps.readTopicId,
    pause: (partitions) => consumer.pause([{ topic: config.topic, partitions: [...partitions] }]),
    resume: (partitions) => consumer.resume([{ topic: config.topic, partitions: [...partitions] }]),
    seek: (partition, offset) => consumer.seek({ topic: config.topic, partition, offset: String(offset) }),
    onBlocked: (partition, reason) => {
      for (const r of BLOCK_REASONS) {
        metrics.partitionBlocked.set({ partition: String(partition), reason: r }, r === reason ? 1 : 0);
      }
    },
    log,
    retryMs: Math.min(deps.lagIntervalMs, 5_000),
  });

  /** Per partition, while a batch is applied: the offset its next transaction starts from. */
  const positions = new Map<number, number>();
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
    for (const dropped of lag.assign(partitions)) {
      metrics.lag.remove({ partition: String(dropped) });
      for (const reason of BLOCK_REASONS)
        metrics.partitionBlocked.remove({ partition: String(dropped), reason });
    }
    retry.retain(lag.assigned());
    // Every assigned partition resumes at the offset its shard holds, not at Kafka's committed one:
    // paused here, before the first fetch, and resumed once sought (or kept stopped).
    retry.cancelAll();
    gate.assign(partitions);
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
    // Fetched before the partition was held (or resumed by a retry meanwhile): its position is about
    // to be replaced by a seek, or it is stopped. Or the topic's id, read after the batch arrived,
    // is not the one its partition was sought in: the batch may be of a topic created again.
    // Paused again until the gate resumes it (unless a check has resumed it meanwhile); the batch is
    // left unresolved, so it is fetched again from the partition's position.
    if (!(await gate.admit(partition))) {
      if (gate.isHeld(partition)) payload.pause();
      return;
    }
    lag.recordHighWatermark(partition, Number(batch.highWatermark));
    // The shard must hold everything before this batch (unless retention deleted it from the log).
    const first = Number(batch.firstOffset());
    if (first > gate.logStart(partition)) positions.set(partition, first);
    const outcome = await deps.processBatch(
      { topic: batch.topic, partition, messages: batch.messages },
      {
        resolveOffset: (offset) => {
          positions.set(partition, Number(offset) + 1);
          payload.resolveOffset(offset);
        },
        heartbeat: payload.heartbeat,
        isRunning: payload.isRunning,
        isStale: payload.isStale,
      },
    );
    positions.delete(partition);
    if (outcome.position !== undefined) {
      lag.recordPosition(partition, outcome.position);
      gate.applied(partition, outcome.position);
    }
    if (outcome.kind === 'retry' && outcome.error.code === 'TOPIC_INCARNATION_MISMATCH') {
      gate.block(partition, outcome.error.message);
    } else if (outcome.kind === 'retry' && outcome.error.code === 'SHARD_BEHIND') {
      log.warn(
        { partition, shard: outcome.shard, err: outcome.error.message },
        'the shard lacks events before the consumer position (restored or failed over?): seeking back to its offset',
      );
      gate.recheck([partition]);
    } else if (outcome.kind === 'retry' && !stopping) {
      // Pause only this partition and return: the fetch loop goes on for every other partition, and
      // on resume the batch is fetched again from its last resolved offset.
      const resume = payload.pause();
      const delayMs = retry.schedule(partition, () => {
        if (!gate.isHeld(partition)) resume();
      });
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
    Promise.all([refreshLag(), gate.poll()])
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
    expectation: (partition) => ({ topicId: gate.topicId(), position: positions.get(partition) }),
    offsetOutOfRange(topic, partition) {
      if (topic === config.topic) gate.recheck([partition]);
    },
    async stop() {
      stopping = true;
      gate.stop();
      clearInterval(lagTimer);
      retry.cancelAll();
      // kafkajs: stop fetching, wait for running batches (ours stop at a chunk boundary once
      // isRunning() is false), commit resolved offsets, leave the group, close connections.
      await consumer.disconnect();
      await admin.disconnect().catch(() => undefined);
    },
  };
}

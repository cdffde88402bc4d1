import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type Producer } from 'kafkajs';
import { partitionForKey } from '@tillstream/contract';
import type { Logger } from '@tillstream/observability';
import { storePartitioner, PartitionCountMismatchError } from './kafka-partitioner.js';
import {
  PublisherUnavailableError,
  type OutgoingMessage,
  type Publisher,
  type ReportOutcome,
} from './types.js';
import { Backoff } from './domain/backoff.js';

export interface KafkaPublisherOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  readonly clientId: string;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly sendRetries: number;
  readonly reconnectBackoffMs: number;
  readonly log: Logger;
  /** Called when the producer becomes able (true) or unable (false) to publish. */
  readonly onConnectedChange?: (connected: boolean) => void;
}

/** acks=all: the partition leader answers once every in-sync replica has the batch. */
const ACKS_ALL = -1;

/**
 * The kafkajs implementation of `Publisher`: an idempotent producer (acks=all, one in-flight produce
 * request per broker, bounded retries) placing messages with the shared shard map's partitioner.
 *
 * It is "connected" once the producer is connected and the topic exists with the configured partition
 * count. Any failed send marks it disconnected and restarts the connect loop, which keeps trying every
 * `reconnectBackoffMs` until Kafka answers again; meanwhile `send` fails at once.
 *
 * After a failed send the producer is replaced, never reconnected. A send that failed may still have
 * been written (the broker died after the write, before the answer); kafkajs then keeps the batch's
 * sequence numbers for the next batch, and the broker takes a later batch with the same sequence range
 * for a duplicate of the written one and acknowledges it without writing it — a 201 for a purchase
 * Kafka never stored. A new producer gets a new producer id and starts its sequences afresh (the Java
 * client bumps the producer epoch for the same reason, KIP-360). Found by the chaos test that kills
 * partition leaders under load (chaos/test).
 */
export class KafkaPublisher implements Publisher {
  private readonly kafka: Kafka;
  private producer: Producer;
  private connected = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly backoff = new Backoff();

  constructor(private readonly options: KafkaPublisherOptions) {
    const { log } = options;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // Connecting is retried by our own loop; kafkajs' own retries only smooth over blips.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
      logLevel: KafkaLogLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...extra } = entry.log;
        const line = { kafkajs: entry.namespace, ...extra };
        if (entry.level <= KafkaLogLevel.WARN) log.warn(line, message);
        else log.debug(line, message);
      },
    });
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: storePartitioner(this.options.partitions),
      // Bounded, unlike kafkajs' idempotent default (retry forever): a send must fail in bounded time so
      // the client gets a 503. A retried produce is still deduplicated by the broker within the producer
      // session, and a purchase re-sent by its client keeps its id, which the consumer deduplicates.
      retry: { retries: this.options.sendRetries, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
  }

  isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    this.loop ??= this.connectLoop();
  }

  /**
   * Sends are serialised: kafkajs rolls a failed request's sequence numbers back, and a concurrent send
   * waiting for the broker lock would take them over — if the failed request had in fact been written,
   * the broker would acknowledge that other batch as its duplicate without writing it. One send at a
   * time, and a new producer after any failure, leave no sequence number to two batches. The batcher
   * keeps filling the next batch meanwhile, so throughput comes from batch size, not concurrency.
   *
   * Within a send, the messages are split by the broker that leads their partition (as last seen in
   * the topic's metadata) and each part is sent on its own (`sendPart`), all in parallel: kafkajs fails
   * a send as a whole when any broker fails, although the other brokers wrote their part. Split, a part
   * on a healthy broker is reported stored as soon as it is acknowledged, and only the failed broker's
   * part is reported failed ("may be stored"). The parts never share a partition, so their sequence numbers
   * are independent; the producer is replaced only after every part has settled.
   */
  send(messages: readonly OutgoingMessage[], report?: ReportOutcome): Promise<void> {
    const result = this.sending.then(() => this.sendNow(messages, report));
    this.sending = result.catch(() => undefined);
    return result;
  }

  private sending: Promise<void> = Promise.resolve();

  /** Partition → id of its leader broker, from the metadata read at (re)connection. */
  private leaders = new Map<number, number>();

  /** The messages' indexes grouped by the broker that leads their partition. */
  private partsByLeader(messages: readonly OutgoingMessage[]): number[][] {
    const parts = new Map<number, number[]>();
    messages.forEach((message, index) => {
      const leader = this.leaders.get(this.partitionOf(message)) ?? -1;
      const part = parts.get(leader);
      if (part) part.push(index);
      else parts.set(leader, [index]);
    });
    return [...parts.values()];
  }

  private async sendNow(messages: readonly OutgoingMessage[], report?: ReportOutcome): Promise<void> {
    if (!this.connected) throw new PublisherUnavailableError('not connected to Kafka');
    const producer = this.producer;
    const parts = report ? this.partsByLeader(messages) : [messages.map((_, index) => index)];
    const failures: unknown[] = [];
    await Promise.all(
      parts.map(async (indexes) => {
        try {
          await this.sendPart(producer, messages, indexes);
          report?.(indexes);
        } catch (error) {
          failures.push(error);
          report?.(
            indexes,
            new PublisherUnavailableError(`Kafka did not acknowledge: ${(error as Error).message}`, {
              cause: error,
            }),
          );
        }
      }),
    );
    if (failures.length === 0) return;
    this.onSendFailure(failures[0], producer);
    if (!report) {
      throw new PublisherUnavailableError(`Kafka did not acknowledge: ${(failures[0] as Error).message}`, {
        cause: failures[0],
      });
    }
  }

  /**
   * One part, sent until every partition in it is in Kafka's answer. kafkajs retries a send broker by
   * broker and keeps the answer of each broker that answered: when a retry finds a failed partition's
   * new leader among those brokers, the partition is not written again and the send still resolves, its
   * answer silently lacking that partition. Such messages are sent again here, with the same producer:
   * kafkajs gave their sequence numbers back when their request failed, so if that request had in fact
   * been written, the new leader takes the repeat for a duplicate and answers without writing it twice.
   */
  private async sendPart(producer: Producer, messages: readonly OutgoingMessage[], indexes: number[]) {
    let pending = indexes;
    for (let round = 0; ; round++) {
      const answer = await producer.send({
        topic: this.options.topic,
        acks: ACKS_ALL,
        timeout: this.options.requestTimeoutMs,
        messages: pending.map((index) => {
          const m = messages[index]!;
          return { key: m.key, value: m.value, headers: { ...m.headers } };
        }),
      });
      const answered = new Set(answer.filter((r) => r.errorCode === 0).map((r) => r.partition));
      const missing = pending.filter((index) => !answered.has(this.partitionOf(messages[index]!)));
      if (missing.length === 0) return;
      const partitions = [...new Set(missing.map((index) => this.partitionOf(messages[index]!)))];
      if (round >= this.options.sendRetries) {
        throw new Error(
          `partitions ${partitions.join(', ')} missing from Kafka's answer after ${round + 1} sends`,
        );
      }
      this.options.log.warn(
        { partitions, messages: missing.length },
        "partitions missing from Kafka's answer (a leader moved during the send); sending them again",
      );
      pending = missing;
    }
  }

  private partitionOf(message: OutgoingMessage): number {
    return partitionForKey(message.key, this.options.partitions);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.backoff.wake();
    await this.loop;
    this.setConnected(false);
    await this.producer.disconnect().catch(() => undefined);
  }

  private onSendFailure(error: unknown, failed: Producer): void {
    // Only the first failure of a producer replaces it; later failures of its in-flight sends are moot.
    if (failed !== this.producer || this.stopped) return;
    this.options.log.warn({ err: error }, 'publishing failed; replacing the producer and reconnecting');
    this.setConnected(false);
    this.producer = this.newProducer();
    void failed.disconnect().catch(() => undefined);
    const previous = this.loop ?? Promise.resolve();
    this.loop = previous.then(() => this.connectLoop());
  }

  private async connectLoop(): Promise<void> {
    // A loop started while another is still running (after a failed send) waits for it.
    let attempt = 0;
    while (!this.stopped && !this.connected) {
      try {
        if (attempt > 0) await this.producer.disconnect().catch(() => undefined);
        await this.producer.connect();
        await this.checkTopic();
        this.setConnected(true);
        this.options.log.info({ topic: this.options.topic }, 'connected to Kafka');
        return;
      } catch (error) {
        attempt++;
        const level = error instanceof PartitionCountMismatchError ? 'error' : 'warn';
        this.options.log[level]({ err: error, attempt }, 'Kafka is not available; retrying');
        await this.backoff.sleep(this.options.reconnectBackoffMs);
      }
    }
  }

  /** The topic must exist with the partition count the shard map assumes. */
  private async checkTopic(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [this.options.topic] });
      const partitions = metadata.topics[0]?.partitions ?? [];
      if (partitions.length !== this.options.partitions) {
        throw new PartitionCountMismatchError(this.options.topic, partitions.length, this.options.partitions);
      }
      const leaderless = partitions.filter((p) => p.leader < 0 || p.partitionErrorCode !== 0);
      if (leaderless.length > 0) {
        throw new Error(`${leaderless.length} partitions of ${this.options.topic} have no leader`);
      }
      this.leaders = new Map(partitions.map((p) => [p.partitionId, p.leader]));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.options.onConnectedChange?.(connected);
  }
}

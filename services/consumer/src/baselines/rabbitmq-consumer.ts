import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Logger } from '@tillstream/observability';
import type { PurchaseEvent } from '@tillstream/contract';
import { backoffDelayMs, type BackoffPolicy } from '../domain/backoff.js';
import type { ConsumerMetrics } from '../metrics.js';
import { planDeliveries } from './rabbitmq-batch.js';
import type { RabbitMqConsumerConfig } from './config.js';

/** Writes a batch of purchases in one transaction; resolves with how many were new (not duplicates). */
export type WritePurchases = (events: readonly PurchaseEvent[]) => Promise<number>;

export interface RabbitMqConsumerDeps {
  readonly config: RabbitMqConsumerConfig;
  readonly write: WritePurchases;
  readonly retry: BackoffPolicy;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  readonly now: () => number;
}

export interface RabbitMqConsumer {
  isReady(): boolean;
  /** Stops consuming, writes and acknowledges what was delivered, closes the connection. */
  stop(): Promise<void>;
}

const SHARD = '0';

/**
 * The rabbitmq baseline's consumer: deliveries of one durable queue (at most `prefetch`
 * unacknowledged) are collected into a batch, written to one Postgres in one transaction (the
 * purchase_id dedup of the Kafka design), and acknowledged only after COMMIT — one ack covering the
 * batch. A crash between the commit and the ack redelivers the batch, and the dedup makes the
 * redelivery count nothing: at-least-once delivery, exactly-once effect.
 */
export async function startRabbitMqConsumer(deps: RabbitMqConsumerDeps): Promise<RabbitMqConsumer> {
  const { config, metrics, log } = deps;
  let connection: ChannelModel | undefined;
  let channel: Channel | undefined;
  let consumerTag: string | undefined;
  let stopped = false;
  let pending: ConsumeMessage[] = [];
  let lingerTimer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let reconnecting: Promise<void> | undefined;

  const flush = (): void => {
    clearTimeout(lingerTimer);
    lingerTimer = undefined;
    if (pending.length === 0 || !channel) return;
    const batch = pending;
    const from = channel;
    pending = [];
    writing = writing.then(() => writeAndAck(batch, from));
  };

  const writeAndAck = async (batch: ConsumeMessage[], from: Channel): Promise<void> => {
    const plan = planDeliveries(
      batch.map((m) => ({ deliveryTag: m.fields.deliveryTag, content: m.content, m })),
    );
    for (const { delivery, reason, detail } of plan.poison) {
      log.warn({ reason, detail }, 'not a purchase event; rejected');
      metrics.dlqEvents.inc({ reason });
      from.nack(delivery.m, false, false);
    }
    if (plan.events.length > 0) {
      for (let attempt = 1; ; attempt++) {
        const started = performance.now();
        try {
          const inserted = await deps.write(plan.events);
          metrics.transactionDuration.observe({ shard: SHARD }, (performance.now() - started) / 1000);
          metrics.batchSize.observe(plan.events.length);
          metrics.rowsWritten.inc(inserted);
          if (plan.events.length > inserted) metrics.duplicatesSkipped.inc(plan.events.length - inserted);
          const committedAt = deps.now();
          for (const event of plan.events) {
            metrics.freshness.observe(Math.max(0, committedAt - Date.parse(event.receivedAt)) / 1000);
          }
          break;
        } catch (error) {
          // The deliveries stay unacknowledged; the broker sends no more than prefetch meanwhile.
          metrics.retries.inc({ shard: SHARD });
          const delayMs = backoffDelayMs(attempt, deps.retry, Math.random);
          log.warn({ err: (error as Error).message, attempt, delayMs }, 'batch write failed; retrying');
          if (stopped) return; // unacknowledged: redelivered to the next consumer
          await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
      }
    }
    // One ack up to the last written delivery (poison ones were already rejected: acking their tag
    // again would be a channel error).
    const rejected = new Set(plan.poison.map((p) => p.delivery.m));
    const lastWritten = batch.findLast((m) => !rejected.has(m));
    if (lastWritten) {
      try {
        from.ack(lastWritten, true);
      } catch (error) {
        // The channel closed after the commit: the batch is redelivered and deduplicated.
        log.warn({ err: (error as Error).message }, 'ack failed after commit');
      }
    }
  };

  const onMessage = (message: ConsumeMessage | null): void => {
    if (message === null) {
      log.warn('the broker cancelled the consumer; reconnecting');
      void reconnect();
      return;
    }
    pending.push(message);
    if (pending.length >= config.prefetch) flush();
    else lingerTimer ??= setTimeout(flush, config.batchLingerMs);
  };

  const connect = async (): Promise<void> => {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        const conn = await amqp.connect(config.url);
        conn.on('error', (error: Error) => log.warn({ err: error.message }, 'RabbitMQ connection error'));
        conn.on('close', () => {
          if (connection !== conn) return;
          connection = undefined;
          channel = undefined;
          consumerTag = undefined;
          metrics.kafkaConnected.set(0);
          if (!stopped) {
            log.warn('RabbitMQ connection lost; reconnecting');
            void reconnect();
          }
        });
        const ch = await conn.createChannel();
        await ch.assertQueue(config.queue, { durable: true });
        await ch.prefetch(config.prefetch);
        connection = conn;
        channel = ch;
        // Deliveries of a lost channel cannot be acknowledged any more; the broker redelivers them.
        pending = [];
        consumerTag = (await ch.consume(config.queue, onMessage, { noAck: false })).consumerTag;
        metrics.kafkaConnected.set(1);
        log.info({ queue: config.queue, prefetch: config.prefetch }, 'consuming from RabbitMQ');
        return;
      } catch (error) {
        const delayMs = backoffDelayMs(attempt, deps.retry, Math.random);
        log.warn({ err: (error as Error).message, delayMs }, 'RabbitMQ is not available; retrying');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  };
  const reconnect = (): Promise<void> =>
    (reconnecting ??= connect().finally(() => {
      reconnecting = undefined;
    }));

  // consumer_lag: messages in the queue plus those delivered here and not yet acknowledged.
  const depthTimer = setInterval(() => {
    const ch = channel;
    if (!ch) return;
    ch.checkQueue(config.queue).then(
      (queue) => metrics.lag.set({ partition: SHARD }, queue.messageCount + pending.length),
      () => undefined,
    );
  }, config.depthIntervalMs);

  await reconnect();

  return {
    isReady: () => channel !== undefined && consumerTag !== undefined && !stopped,
    async stop() {
      stopped = true;
      clearInterval(depthTimer);
      const ch = channel;
      if (ch && consumerTag) await ch.cancel(consumerTag).catch(() => undefined);
      flush();
      await writing;
      await connection?.close().catch(() => undefined);
    },
  };
}

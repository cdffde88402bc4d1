import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from '@tillstream/observability';
import { PublisherUnavailableError, type OutgoingMessage, type Publisher } from '../types.js';
import { ResourcePool } from './channel-pool.js';
import { Backoff } from '../domain/backoff.js';

export interface RabbitMqPublisherOptions {
  readonly url: string;
  readonly queue: string;
  /** Confirm channels of this worker (the pool's size). */
  readonly channels: number;
  readonly reconnectBackoffMs: number;
  readonly log: Logger;
  readonly onConnectedChange?: (connected: boolean) => void;
}

/** What goes with each message: persistent (delivery mode 2), typed, and the event's headers. */
export function publishOptions(message: OutgoingMessage): amqp.Options.Publish {
  return {
    persistent: true,
    contentType: 'application/json',
    headers: { ...message.headers, 'store-key': message.key },
  };
}

/**
 * The rabbitmq baseline (the CS6650 assignment's second design): each purchase is published to a
 * durable queue as a persistent message on a confirm channel borrowed from a pool, and `send`
 * resolves only when the broker confirmed it (for a durable queue: written to disk), so a 201 means
 * RabbitMQ holds the purchase. Consumers (services/consumer, MODE=rabbitmq) write it to Postgres.
 */
export class RabbitMqPublisher implements Publisher {
  private connection: ChannelModel | undefined;
  private readonly pool: ResourcePool<ConfirmChannel>;
  private connected = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly backoff = new Backoff();

  constructor(private readonly options: RabbitMqPublisherOptions) {
    this.pool = new ResourcePool(options.channels, async () => {
      if (!this.connection) throw new PublisherUnavailableError('not connected to RabbitMQ');
      const channel = await this.connection.createConfirmChannel();
      // A channel error (e.g. the queue was deleted) closes only that channel; the pool replaces it.
      channel.on('error', (error: Error) => options.log.warn({ err: error.message }, 'channel error'));
      return channel;
    });
  }

  isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    this.loop ??= this.connectLoop();
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (!this.connected) throw new PublisherUnavailableError('not connected to RabbitMQ');
    let channel: ConfirmChannel;
    try {
      channel = await this.pool.borrow();
    } catch (error) {
      throw new PublisherUnavailableError(`no channel: ${(error as Error).message}`, { cause: error });
    }
    let broken = false;
    try {
      await Promise.all(
        messages.map(
          (message) =>
            new Promise<void>((resolve, reject) => {
              channel.sendToQueue(
                this.options.queue,
                Buffer.from(message.value),
                publishOptions(message),
                (error) =>
                  error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
              );
            }),
        ),
      );
    } catch (error) {
      broken = true;
      throw new PublisherUnavailableError(`RabbitMQ did not confirm: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      this.pool.release(channel, broken);
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.backoff.wake();
    await this.loop;
    this.setConnected(false);
    await Promise.all(this.pool.drain().map((channel) => channel.close().catch(() => undefined)));
    await this.connection?.close().catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    while (!this.stopped && !this.connected) {
      try {
        const connection = await amqp.connect(this.options.url);
        connection.on('error', (error: Error) =>
          this.options.log.warn({ err: error.message }, 'RabbitMQ connection error'),
        );
        connection.on('close', () => this.onConnectionLost(connection));
        const setup = await connection.createChannel();
        await setup.assertQueue(this.options.queue, { durable: true });
        await setup.close();
        this.connection = connection;
        this.setConnected(true);
        this.options.log.info({ queue: this.options.queue }, 'connected to RabbitMQ');
        return;
      } catch (error) {
        this.options.log.warn({ err: (error as Error).message }, 'RabbitMQ is not available; retrying');
        await this.backoff.sleep(this.options.reconnectBackoffMs);
      }
    }
  }

  private onConnectionLost(connection: ChannelModel): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.pool.reset();
    this.setConnected(false);
    if (this.stopped) return;
    this.options.log.warn('RabbitMQ connection lost; reconnecting');
    this.loop = this.connectLoop();
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.options.onConnectedChange?.(connected);
  }
}

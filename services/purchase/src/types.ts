/**
 * What the purchase service needs from a Kafka client, and nothing more, so the client library can be
 * replaced (docs/adr/002-kafka-client.md). The kafkajs implementation is kafka-publisher.ts.
 */

/** One message for the purchases topic. */
export interface OutgoingMessage {
  /** The partitioning key (the store id in decimal). */
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Reports the outcome of some of the messages of a send (indexes into them); no error = stored. */
export type ReportOutcome = (indexes: readonly number[], error?: unknown) => void;

export interface Publisher {
  /**
   * Sends the messages and resolves once every one of them has an outcome: acknowledged by the broker
   * (acks=all) or failed. A publisher that can tell parts apart (one broker acknowledged, another did
   * not) reports each part through `report` as soon as it is known; messages it does not report are
   * stored when the send resolves, and failed with its error when it rejects. Never hangs past the
   * client's own timeouts.
   */
  send(messages: readonly OutgoingMessage[], report?: ReportOutcome): Promise<void>;
  /** True while the producer is connected and able to publish to the configured topic. */
  isConnected(): boolean;
  /** Starts connecting (and reconnecting after failures) in the background. */
  start(): void;
  /** Stops reconnecting and disconnects; call after the last `send` settled. */
  close(): Promise<void>;
}

/** A publish attempt that failed because Kafka is not reachable or did not acknowledge. */
export class PublisherUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PublisherUnavailableError';
  }
}

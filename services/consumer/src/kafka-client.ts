import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '@tillstream/observability';
import type { DeadLetter } from './domain/dead-letter.js';
import type { DeadLetterPublisher } from './types.js';

/** What the consumer needs to hear of kafkajs' internals, which kafkajs reports only as log lines. */
export interface KafkaHooks {
  /**
   * A fetch position lies outside the partition's log and kafkajs is about to reset it to the log
   * start (logged by kafkajs' consumer group before it commits the reset, in the same tick).
   */
  readonly onOffsetOutOfRange?: (topic: string, partition: number) => void;
}

const OFFSET_OUT_OF_RANGE = 'Offset out of range, resetting to default offset';

/** kafkajs' own log lines, through the service's pino logger. */
function pinoLogCreator(log: Logger, hooks: KafkaHooks): logCreator {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry;
      const fields = { kafkajs: namespace, ...extra };
      if (level === KafkaLogLevel.ERROR) log.error(fields, message);
      else if (level === KafkaLogLevel.WARN) log.warn(fields, message);
      else if (level === KafkaLogLevel.INFO) log.info(fields, message);
      else log.debug(fields, message);
      if (message === OFFSET_OUT_OF_RANGE && typeof extra.topic === 'string') {
        hooks.onOffsetOutOfRange?.(extra.topic, Number(extra.partition));
      }
    };
}

export function createKafka(
  options: { clientId: string; brokers: readonly string[] },
  log: Logger,
  hooks: KafkaHooks = {},
): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: KafkaLogLevel.INFO,
    logCreator: pinoLogCreator(log.child({ component: 'kafkajs' }), hooks),
  });
}

export interface DeadLetterProducer extends DeadLetterPublisher {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/** Publishes poison events to the dead-letter topic, acknowledged by all in-sync replicas. */
export function createDeadLetterProducer(kafka: Kafka, topic: string): DeadLetterProducer {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    // One letter per send, so one partition per send: kafkajs can resolve a send that spans brokers
    // without writing a partition whose leader moved onto a broker that had already answered (ADR 002),
    // and the batch's offsets are committed once this resolves. Poison events are rare; the extra round
    // trips are not.
    async publish(letters: readonly DeadLetter[]) {
      for (const letter of letters) {
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key: letter.key, value: letter.value, headers: letter.headers }],
        });
      }
    },
  };
}

import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '@tillstream/observability';
import type { DeadLetter } from './dead-letter.js';
import type { DeadLetterPublisher } from './batch-processor.js';

/** kafkajs' own log lines, through the service's pino logger. */
function pinoLogCreator(log: Logger): logCreator {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry;
      const fields = { kafkajs: namespace, ...extra };
      if (level === KafkaLogLevel.ERROR) log.error(fields, message);
      else if (level === KafkaLogLevel.WARN) log.warn(fields, message);
      else if (level === KafkaLogLevel.INFO) log.info(fields, message);
      else log.debug(fields, message);
    };
}

export function createKafka(options: { clientId: string; brokers: readonly string[] }, log: Logger): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: KafkaLogLevel.INFO,
    logCreator: pinoLogCreator(log.child({ component: 'kafkajs' })),
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
    async publish(letters: readonly DeadLetter[]) {
      if (letters.length === 0) return;
      await producer.send({
        topic,
        acks: -1,
        messages: letters.map((letter) => ({
          key: letter.key,
          value: letter.value,
          headers: letter.headers,
        })),
      });
    },
  };
}

import type { HeaderValue, PoisonMessage } from './batch-plan.js';

/** Headers added to a dead-lettered message, next to its original headers. */
export const DeadLetterHeaders = Object.freeze({
  reason: 'dlq-reason',
  detail: 'dlq-detail',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
});

// Enough to read a zod or PostgreSQL message; keeps a hostile value from bloating the DLQ.
const MAX_DETAIL_CHARS = 2000;

/** A message for the dead-letter topic: the original key, value and headers, plus why. */
export interface DeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, HeaderValue>;
}

export function toDeadLetter(
  poison: PoisonMessage,
  source: { readonly topic: string; readonly partition: number; readonly groupId: string },
  failedAt: Date,
): DeadLetter {
  const detail =
    poison.detail.length > MAX_DETAIL_CHARS ? `${poison.detail.slice(0, MAX_DETAIL_CHARS)}…` : poison.detail;
  return {
    key: poison.message.key,
    value: poison.message.value,
    headers: {
      ...poison.message.headers,
      [DeadLetterHeaders.reason]: poison.reason,
      [DeadLetterHeaders.detail]: detail,
      [DeadLetterHeaders.sourceTopic]: source.topic,
      [DeadLetterHeaders.sourcePartition]: String(source.partition),
      [DeadLetterHeaders.sourceOffset]: poison.message.offset,
      [DeadLetterHeaders.consumerGroup]: source.groupId,
      [DeadLetterHeaders.failedAt]: failedAt.toISOString(),
    },
  };
}

import { partitionForKey } from '@tillstream/contract';
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

/** The topic's partition count differs from KAFKA_PARTITIONS, so the shard map would be wrong. */
export class PartitionCountMismatchError extends Error {
  constructor(topic: string, actual: number, expected: number) {
    super(`topic ${topic} has ${actual} partitions but KAFKA_PARTITIONS is ${expected}`);
    this.name = 'PartitionCountMismatchError';
  }
}

/**
 * A kafkajs partitioner that places each message with the shared shard map's `partitionForKey` — the
 * same murmur2 rule as the Java client and kafkajs' DefaultPartitioner, but taken from
 * @tillstream/contract so the producer provably agrees with the consumer and the store service. It
 * refuses to publish when the topic's partition count is not the configured one.
 */
export function storePartitioner(expectedPartitions: number): ICustomPartitioner {
  return () =>
    ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
      if (partitionMetadata.length !== expectedPartitions) {
        throw new PartitionCountMismatchError(topic, partitionMetadata.length, expectedPartitions);
      }
      if (message.key === null || message.key === undefined) {
        throw new TypeError('purchase messages must carry a key (the store id)');
      }
      return partitionForKey(message.key, expectedPartitions);
    };
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { MAX_ID, partitionOfStore, storeKey } from '@tillstream/contract';
import { PartitionCountMismatchError, storePartitioner } from '../src/kafka-partitioner.js';

const metadata = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    offlineReplicas: [],
    partitionErrorCode: 0,
  }));

test("property: the store partitioner agrees with kafkajs' DefaultPartitioner and the shard map", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: MAX_ID }), fc.integer({ min: 1, max: 64 }), (storeId, count) => {
      const topic = 'purchases';
      const partitionMetadata = metadata(count);
      const message = { key: storeKey(storeId), value: '{}' };
      const ours = storePartitioner(count)()({ topic, partitionMetadata, message });
      const kafkajs = Partitioners.DefaultPartitioner()({ topic, partitionMetadata, message });
      assert.equal(ours, kafkajs);
      assert.equal(ours, partitionOfStore(storeId, { partitionCount: count, shardCount: 1 }));
    }),
    { numRuns: 3000 },
  );
});

test('Buffer keys are placed like string keys', () => {
  const partition = storePartitioner(12)();
  const args = { topic: 't', partitionMetadata: metadata(12) };
  for (let storeId = 1; storeId <= 200; storeId++) {
    assert.equal(
      partition({ ...args, message: { key: Buffer.from(String(storeId)), value: null } }),
      partition({ ...args, message: { key: String(storeId), value: null } }),
    );
  }
});

test('a topic whose partition count is not KAFKA_PARTITIONS is refused', () => {
  const partition = storePartitioner(12)();
  assert.throws(
    () => partition({ topic: 't', partitionMetadata: metadata(6), message: { key: '1', value: null } }),
    PartitionCountMismatchError,
  );
});

test('a message without a key is refused (it would land on a random partition)', () => {
  const partition = storePartitioner(12)();
  assert.throws(
    () => partition({ topic: 't', partitionMetadata: metadata(12), message: { value: 'x' } }),
    TypeError,
  );
});

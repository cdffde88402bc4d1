import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  partitionOfStore,
  storeKey,
  partitionsOfShard,
  shardOfPartition,
  shardOfStore,
  type Topology,
} from '../src/shard-map.js';
import { partitionForKey } from '../src/murmur2.js';

const topology: Topology = { partitionCount: 12, shardCount: 4 };

test('a store lives on the shard of the partition its key hashes to', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2147483647 }), (storeId) => {
      const partition = partitionForKey(String(storeId), 12);
      assert.equal(partitionOfStore(storeId, topology), partition);
      assert.equal(shardOfStore(storeId, topology), partition % 4);
    }),
  );
});

test('every partition belongs to exactly one shard and shards split partitions evenly', () => {
  const owners = new Map<number, number>();
  for (let shard = 0; shard < 4; shard++) {
    const partitions = partitionsOfShard(shard, topology);
    assert.equal(partitions.length, 3);
    for (const p of partitions) {
      assert.equal(owners.has(p), false, `partition ${p} owned twice`);
      owners.set(p, shard);
      assert.equal(shardOfPartition(p, topology), shard);
    }
  }
  assert.equal(owners.size, 12);
});

test('stores spread over all shards', () => {
  const counts = [0, 0, 0, 0];
  for (let storeId = 1; storeId <= 1024; storeId++) counts[shardOfStore(storeId, topology)]! += 1;
  for (const count of counts) assert.ok(count > 1024 / 4 / 2, `uneven spread ${counts.join(',')}`);
});

test('invalid topologies and partitions are refused', () => {
  assert.throws(() => shardOfPartition(0, { partitionCount: 2, shardCount: 4 }), RangeError);
  assert.throws(() => shardOfPartition(12, topology), RangeError);
  assert.throws(() => shardOfPartition(-1, topology), RangeError);
  assert.throws(() => shardOfPartition(0, { partitionCount: 12, shardCount: 0 }), RangeError);
});

test('store ids are the API ids 0 … 2147483647: store 0 is a store like any other', () => {
  assert.equal(storeKey(0), '0');
  assert.equal(partitionOfStore(0, topology), partitionForKey('0', 12));
  assert.equal(shardOfStore(0, topology), partitionForKey('0', 12) % 4);
  assert.equal(storeKey(2147483647), '2147483647');
  for (const bad of [-1, 2147483648, 1.5, Number.NaN, Infinity]) {
    assert.throws(() => storeKey(bad), /outside 0…2147483647/, String(bad));
    assert.throws(() => shardOfStore(bad, topology), RangeError, String(bad));
  }
});

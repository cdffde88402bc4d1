import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ShardIdentityError,
  assertShardIdentities,
  createShardIdentityVerifier,
  shardIdentityProblems,
  type ShardIdentity,
} from '../src/shard-identity.js';

const topology = { partitionCount: 12, shardCount: 4 };
const cluster = '5f0c6a8e-8d1e-4c1a-9a55-2f7f4e0b9c11';
const shard = (shardIndex: number, overrides: Partial<ShardIdentity> = {}): ShardIdentity => ({
  clusterId: cluster,
  shardIndex,
  shardCount: 4,
  partitionCount: 12,
  ...overrides,
});

test('shards in their positions with the configured counts pass', () => {
  assert.deepEqual(
    shardIdentityProblems(
      [0, 1, 2, 3].map((i) => shard(i)),
      topology,
    ),
    [],
  );
  assert.doesNotThrow(() =>
    assertShardIdentities(
      [0, 1, 2, 3].map((i) => shard(i)),
      topology,
    ),
  );
});

test('two swapped URLs are named, each with the shard it really is', () => {
  const problems = shardIdentityProblems([shard(0), shard(2), shard(1), shard(3)], topology, (i) => `db${i}`);
  assert.deepEqual(problems, [
    'SHARD_URLS entry 1 (db1) is shard 2, not shard 1: SHARD_URLS is misordered (entry i must be the URL of shard i)',
    'SHARD_URLS entry 2 (db2) is shard 1, not shard 2: SHARD_URLS is misordered (entry i must be the URL of shard i)',
  ]);
});

test('a shard count or partition count other than the one the cluster was made for is refused', () => {
  const three = [0, 1, 2].map((i) => shard(i));
  const problems = shardIdentityProblems(three, { partitionCount: 12, shardCount: 3 });
  assert.equal(problems.length, 3);
  assert.match(problems[0]!, /entry 0 .* belongs to a cluster of 4 shards, but SHARD_URLS has 3/);
  const partitions = shardIdentityProblems(
    [0, 1, 2, 3].map((i) => shard(i)),
    { partitionCount: 24, shardCount: 4 },
  );
  assert.equal(partitions.length, 4);
  assert.match(partitions[3]!, /entry 3 .* was created for 12 partitions, but KAFKA_PARTITIONS is 24/);
});

test('a shard of another cluster and a shard without identity are refused', () => {
  const other = shard(2, { clusterId: '00000000-0000-4000-8000-000000000000' });
  const problems = shardIdentityProblems([shard(0), undefined, other, shard(3)], topology);
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /entry 1 .* has no shard identity row: run the migration/);
  assert.match(problems[1]!, /mixes shards of different clusters/);
  assert.throws(
    () => assertShardIdentities([shard(0), undefined, other, shard(3)], topology),
    ShardIdentityError,
  );
  try {
    assertShardIdentities([shard(1), shard(0), shard(2), shard(3)], topology);
    assert.fail('expected a ShardIdentityError');
  } catch (caught) {
    assert.ok(caught instanceof ShardIdentityError);
    assert.equal(caught.code, 'SHARD_IDENTITY_MISMATCH');
    assert.equal(caught.problems.length, 2);
  }
});

test('the verifier checks the shards that answer at start, and a shard that was down before its first use', async () => {
  const rows = new Map<number, ShardIdentity | undefined>([0, 1, 2, 3].map((i) => [i, shard(i)]));
  let down = new Set([2]);
  const reads: number[] = [];
  const verifier = createShardIdentityVerifier({
    expected: topology,
    read: async (entry) => {
      reads.push(entry);
      if (down.has(entry)) throw new Error('ECONNREFUSED');
      return rows.get(entry);
    },
  });
  const { unreachable } = await verifier.verifyAll();
  assert.deepEqual(
    unreachable.map((u) => u.entry),
    [2],
  );
  await verifier.verify(0);
  assert.deepEqual(reads, [0, 1, 2, 3], 'a verified shard is not read again');
  await assert.rejects(verifier.verify(2), /ECONNREFUSED/);
  down = new Set();
  rows.set(2, shard(2, { clusterId: '00000000-0000-4000-8000-000000000000' }));
  await assert.rejects(verifier.verify(2), /mixes shards of different clusters/);
  rows.set(2, shard(2));
  await verifier.verify(2);
  assert.equal(verifier.clusterId(), cluster);
});

test('the verifier refuses swapped shards at start, naming both', async () => {
  const order = [0, 3, 2, 1];
  const verifier = createShardIdentityVerifier({
    expected: topology,
    read: async (entry) => shard(order[entry]!),
  });
  await assert.rejects(verifier.verifyAll(), (error: unknown) => {
    assert.ok(error instanceof ShardIdentityError);
    assert.equal(error.problems.length, 2);
    assert.match(error.problems[0]!, /entry 1 .* is shard 3, not shard 1/);
    return true;
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shardOfStore } from '@tillstream/contract';
import { decideTopStores, type FanOutResult } from '../../src/domain/store-queries.js';
import { ShardFailure } from '../../src/domain/shard-client.js';
import { shardClients, storeQueries } from '../support/fixtures.js';
import { deferred } from '../support/manual-clock.js';
import { MemoryShard } from '../support/memory-repository.js';

const topology = { partitionCount: 12, shardCount: 4 };

function fourShards() {
  return Array.from({ length: 4 }, () => new MemoryShard());
}

/** Puts a (store, item, quantity) total on the shard the shard map assigns. */
function seed(shards: MemoryShard[], storeId: number, itemId: number, quantity: number) {
  shards[shardOfStore(storeId, topology)]!.add(storeId, itemId, quantity);
}

describe('createStoreQueries', () => {
  it('asks only the shard that owns the store', async () => {
    const shards = fourShards();
    seed(shards, 7, 1, 3);
    seed(shards, 7, 2, 5);
    const queries = storeQueries(shardClients(shards));
    assert.deepEqual(await queries.topItemsOfStore(7), [
      { itemID: 2, numberOfItems: 5 },
      { itemID: 1, numberOfItems: 3 },
    ]);
    const owner = shardOfStore(7, topology);
    assert.deepEqual(
      shards.map((s) => s.calls.topItems),
      [0, 1, 2, 3].map((i) => (i === owner ? 1 : 0)),
    );
  });

  it('asks every shard for top stores and merges them', async () => {
    const shards = fourShards();
    for (let store = 1; store <= 30; store++) seed(shards, store, 99, (store % 7) + 1);
    const queries = storeQueries(shardClients(shards));
    const result = await queries.topStoresOfItem(99);
    assert.deepEqual(result.missingShards, []);
    assert.equal(result.answeredShards, 4);
    assert.ok(shards.every((s) => s.calls.topStores === 1));
    const expected = Array.from({ length: 30 }, (_, i) => ({
      storeID: i + 1,
      numberOfItems: ((i + 1) % 7) + 1,
    }))
      .sort((a, b) => b.numberOfItems - a.numberOfItems || a.storeID - b.storeID)
      .slice(0, 10);
    assert.deepEqual(result.stores, expected);
  });

  it('names the shards that failed and merges the rest', async () => {
    const shards = fourShards();
    for (let store = 1; store <= 30; store++) seed(shards, store, 5, store);
    shards[2]!.failure = new Error('connection refused');
    const result = await storeQueries(shardClients(shards)).topStoresOfItem(5);
    assert.deepEqual(result.missingShards, [2]);
    assert.ok(result.failures[0] instanceof ShardFailure);
    const onShard2 = (s: number) => shardOfStore(s, topology) === 2;
    assert.ok(result.stores.length > 0 && result.stores.every((r) => !onShard2(r.storeID)));
  });

  it('a burst of identical concurrent GETs costs one query per shard', async () => {
    const shards = fourShards();
    seed(shards, 3, 8, 1);
    const gate = deferred<void>();
    for (const s of shards) s.gate = gate.promise;
    const results: string[] = [];
    const queries = storeQueries(shardClients(shards), { onCache: (r) => results.push(r) });
    const burst = Array.from({ length: 40 }, () => queries.topStoresOfItem(8));
    const itemBurst = Array.from({ length: 40 }, () => queries.topItemsOfStore(3));
    gate.resolve();
    await Promise.all([...burst, ...itemBurst]);
    assert.deepEqual(
      shards.map((s) => s.calls.topStores),
      [1, 1, 1, 1],
    );
    assert.equal(
      shards.reduce((n, s) => n + s.calls.topItems, 0),
      1,
    );
    assert.equal(results.filter((r) => r === 'miss').length, 5);
    assert.equal(results.filter((r) => r === 'coalesced').length, 40 * 4 - 4 + (40 - 1));
  });

  it('serves repeats from the cache within the TTL', async () => {
    const shards = fourShards();
    seed(shards, 3, 8, 1);
    const queries = storeQueries(shardClients(shards), { ttlMs: 60_000 });
    await queries.topStoresOfItem(8);
    await queries.topStoresOfItem(8);
    assert.deepEqual(
      shards.map((s) => s.calls.topStores),
      [1, 1, 1, 1],
    );
  });
});

describe('decideTopStores', () => {
  const failure = new ShardFailure(1, 'timeout', { cause: undefined });
  const rows = [{ storeID: 1, numberOfItems: 2 }];
  const result = (over: Partial<FanOutResult>): FanOutResult => ({
    stores: rows,
    answeredShards: 4,
    missingShards: [],
    failures: [],
    ...over,
  });

  it('answers the merge when every shard answered', () => {
    assert.deepEqual(decideTopStores(result({}), false), { kind: 'ok', stores: rows });
    assert.deepEqual(decideTopStores(result({}), true), { kind: 'ok', stores: rows, missingShards: [] });
  });

  it('is not found only when every shard answered with nothing', () => {
    assert.deepEqual(decideTopStores(result({ stores: [] }), false), { kind: 'not-found' });
    assert.deepEqual(
      decideTopStores(
        result({ stores: [], answeredShards: 3, missingShards: [1], failures: [failure] }),
        true,
      ),
      {
        kind: 'ok',
        stores: [],
        missingShards: [1],
      },
    );
  });

  it('is unavailable when a shard is missing, unless partial answers are asked for', () => {
    const missing = result({ answeredShards: 3, missingShards: [1], failures: [failure] });
    assert.deepEqual(decideTopStores(missing, false), { kind: 'unavailable', missingShards: [1] });
    assert.deepEqual(decideTopStores(missing, true), { kind: 'ok', stores: rows, missingShards: [1] });
  });

  it('is unavailable even with partial when no shard answered', () => {
    const none = result({ stores: [], answeredShards: 0, missingShards: [0, 1, 2, 3], failures: [failure] });
    assert.deepEqual(decideTopStores(none, true), { kind: 'unavailable', missingShards: [0, 1, 2, 3] });
  });
});

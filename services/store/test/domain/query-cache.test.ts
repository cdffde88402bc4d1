import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueryCache } from '../../src/domain/query-cache.js';
import { deferred, manualClock } from '../support/manual-clock.js';

describe('QueryCache', () => {
  it('coalesces a burst of identical concurrent loads into one', async () => {
    const clock = manualClock();
    const cache = new QueryCache<number>({ ttlMs: 0, maxEntries: 10 }, clock.now);
    const gate = deferred<number>();
    let loads = 0;
    const load = () => {
      loads++;
      return gate.promise;
    };
    const burst = Array.from({ length: 50 }, () => cache.get('k', load));
    gate.resolve(42);
    const results = await Promise.all(burst);
    assert.equal(loads, 1);
    assert.ok(results.every((r) => r.value === 42));
    assert.equal(results.filter((r) => r.result === 'miss').length, 1);
    assert.equal(results.filter((r) => r.result === 'coalesced').length, 49);
  });

  it('serves from memory within the TTL and reloads after it', async () => {
    const clock = manualClock();
    const cache = new QueryCache<number>({ ttlMs: 500, maxEntries: 10 }, clock.now);
    let loads = 0;
    const load = async () => ++loads;
    assert.deepEqual(await cache.get('k', load), { value: 1, result: 'miss' });
    await clock.advance(499);
    assert.deepEqual(await cache.get('k', load), { value: 1, result: 'hit' });
    await clock.advance(1);
    assert.deepEqual(await cache.get('k', load), { value: 2, result: 'miss' });
  });

  it('keeps nothing with a TTL of 0', async () => {
    const clock = manualClock();
    const cache = new QueryCache<number>({ ttlMs: 0, maxEntries: 10 }, clock.now);
    let loads = 0;
    await cache.get('k', async () => ++loads);
    await cache.get('k', async () => ++loads);
    assert.equal(loads, 2);
  });

  it('shares a failure with the waiting callers but never caches it', async () => {
    const clock = manualClock();
    const cache = new QueryCache<number>({ ttlMs: 1000, maxEntries: 10 }, clock.now);
    const gate = deferred<number>();
    const first = cache.get('k', () => gate.promise);
    const second = cache.get('k', async () => 99);
    gate.reject(new Error('shard down'));
    await assert.rejects(first, /shard down/);
    await assert.rejects(second, /shard down/);
    assert.deepEqual(await cache.get('k', async () => 5), { value: 5, result: 'miss' });
  });

  it('keeps different keys apart', async () => {
    const clock = manualClock();
    const cache = new QueryCache<string>({ ttlMs: 1000, maxEntries: 10 }, clock.now);
    assert.equal((await cache.get('a', async () => 'A')).value, 'A');
    assert.equal((await cache.get('b', async () => 'B')).value, 'B');
    assert.equal((await cache.get('a', async () => 'X')).value, 'A');
  });

  it('evicts the oldest answers beyond maxEntries', async () => {
    const clock = manualClock();
    const cache = new QueryCache<number>({ ttlMs: 1000, maxEntries: 2 }, clock.now);
    await cache.get('a', async () => 1);
    await cache.get('b', async () => 2);
    await cache.get('c', async () => 3);
    assert.equal(cache.size, 2);
    assert.equal((await cache.get('a', async () => 10)).result, 'miss');
    assert.equal((await cache.get('c', async () => 30)).result, 'hit');
  });
});

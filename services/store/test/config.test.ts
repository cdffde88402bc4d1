import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@tillstream/config';
import { describeConfig, loadStoreConfig } from '../src/config.js';

const SHARDS = 'postgres://u:secret@h:5433/db,postgres://u:secret@h:5434/db';

describe('loadStoreConfig', () => {
  it('has documented defaults', () => {
    const config = loadStoreConfig({ SHARD_URLS: SHARDS });
    assert.equal(config.port, 8081);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.partitionCount, 12);
    assert.ok(config.cache.ttlMs > 0 && config.cache.ttlMs <= 1000);
    assert.deepEqual(
      config.shards.map((s) => s.replicaUrl),
      [undefined, undefined],
    );
    assert.ok(Object.isFrozen(config.shards[0]));
  });

  it('reads positional replicas, empty entries meaning none', () => {
    const config = loadStoreConfig({ SHARD_URLS: SHARDS, SHARD_REPLICA_URLS: ',postgres://u:p@r:6434/db' });
    assert.deepEqual(
      config.shards.map((s) => s.replicaUrl),
      [undefined, 'postgres://u:p@r:6434/db'],
    );
  });

  it('names every bad variable', () => {
    assert.throws(
      () =>
        loadStoreConfig({
          SHARD_URLS: 'http://x/y',
          STORE_CACHE_TTL_MS: 'soon',
          SHARD_REPLICA_URLS: 'mysql://x',
        }),
      (error: unknown) =>
        error instanceof ConfigError &&
        ['SHARD_URLS', 'STORE_CACHE_TTL_MS', 'SHARD_REPLICA_URLS'].every((v) => error.message.includes(v)),
    );
  });

  it('rejects inconsistent combinations', () => {
    assert.throws(() => loadStoreConfig({}), /SHARD_URLS/);
    assert.throws(() => loadStoreConfig({ SHARD_URLS: SHARDS, KAFKA_PARTITIONS: '1' }), /KAFKA_PARTITIONS/);
    assert.throws(
      () =>
        loadStoreConfig({
          SHARD_URLS: SHARDS,
          SHARD_REPLICA_URLS: 'postgres://a/b,postgres://a/b,postgres://a/b',
        }),
      /more entries/,
    );
    assert.throws(
      () =>
        loadStoreConfig({
          SHARD_URLS: SHARDS,
          STORE_HEDGE_MIN_DELAY_MS: '60',
          STORE_HEDGE_MAX_DELAY_MS: '50',
        }),
      /STORE_HEDGE_MIN_DELAY_MS/,
    );
  });

  it('hides passwords when described for the log', () => {
    const text = JSON.stringify(
      describeConfig(loadStoreConfig({ SHARD_URLS: SHARDS, SHARD_REPLICA_URLS: 'postgres://u:secret@r/db' })),
    );
    assert.ok(!text.includes('secret'));
  });
});

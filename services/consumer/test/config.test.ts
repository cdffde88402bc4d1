import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tillstream/config';
import { loadConsumerConfig } from '../src/config.js';

const minimal = {
  KAFKA_BROKERS: 'k1:9092,k2:9092',
  SHARD_URLS: 'postgres://u:secret@a/db,postgres://u:secret@b/db',
};

describe('loadConsumerConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConsumerConfig(minimal);
    assert.equal(config.port, 8082);
    assert.equal(config.kafka.groupId, 'purchase-writers');
    assert.equal(config.kafka.topic, 'purchases');
    assert.equal(config.kafka.dlqTopic, 'purchases.dlq');
    assert.equal(config.kafka.partitions, 12);
    assert.deepEqual(config.kafka.brokers, ['k1:9092', 'k2:9092']);
    assert.equal(config.shards.urls.length, 2);
    assert.ok(Object.isFrozen(config.shards));
  });

  it('names every bad variable', () => {
    assert.throws(
      () =>
        loadConsumerConfig({
          ...minimal,
          SHARD_URLS: 'mysql://x/y',
          KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: '0',
        }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((p) => p.startsWith('SHARD_URLS')) &&
        error.problems.some((p) => p.startsWith('KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY')),
    );
  });

  it('rejects fewer partitions than shards, and inconsistent timings', () => {
    assert.throws(
      () =>
        loadConsumerConfig({
          ...minimal,
          KAFKA_PARTITIONS: '1',
          CONSUMER_RETRY_INITIAL_MS: '500',
          CONSUMER_RETRY_MAX_MS: '100',
          KAFKA_HEARTBEAT_INTERVAL_MS: '20000',
        }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 3,
    );
  });

  it('requires brokers and shards', () => {
    assert.throws(() => loadConsumerConfig({}), ConfigError);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tillstream/config';
import { loadPurchaseConfig } from '../src/config.js';

test('defaults suit the native stack', () => {
  const config = loadPurchaseConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.host, '0.0.0.0');
  assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
  assert.equal(config.kafka.topic, 'purchases');
  assert.equal(config.kafka.partitions, 12);
  assert.equal(config.shutdownTimeoutMs, 10_000);
  assert.deepEqual(config.apiKeys, []);
  assert.ok(config.workers >= 1);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.kafka));
});

test('the stack environment is read', () => {
  const config = loadPurchaseConfig({
    PORT: '18080',
    HOST: '127.0.0.1',
    KAFKA_BROKERS: 'a:9092, b:9093',
    KAFKA_TOPIC: 't1',
    KAFKA_PARTITIONS: '6',
    PURCHASE_WORKERS: '3',
    PURCHASE_MAX_IN_FLIGHT: '10',
    SHARD_URLS: 'postgres://ignored',
  });
  assert.equal(config.port, 18080);
  assert.deepEqual(config.kafka.brokers, ['a:9092', 'b:9093']);
  assert.equal(config.kafka.topic, 't1');
  assert.equal(config.kafka.partitions, 6);
  assert.equal(config.workers, 3);
  assert.equal(config.maxInFlight, 10);
});

test('API keys are a secret: present but never serialised', () => {
  const config = loadPurchaseConfig({ PURCHASE_API_KEYS: 'k1,k2' });
  assert.deepEqual(config.apiKeys, ['k1', 'k2']);
  assert.ok(!JSON.stringify(config).includes('k1'));
});

test('every bad variable is named', () => {
  assert.throws(
    () => loadPurchaseConfig({ PORT: 'x', KAFKA_PARTITIONS: '0', PURCHASE_BATCH_LINGER_MS: '-1' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      ['PORT', 'KAFKA_PARTITIONS', 'PURCHASE_BATCH_LINGER_MS'].every((name) => error.message.includes(name)),
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tillstream/config';
import { loadPurchaseConfig } from '../src/config.js';

const KEY = 'k1-0123456789abcdef';

test('defaults suit the native stack', () => {
  const config = loadPurchaseConfig({ PURCHASE_API_KEYS: KEY });
  assert.equal(config.port, 8080);
  assert.equal(config.host, '0.0.0.0');
  assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
  assert.equal(config.kafka.topic, 'purchases');
  assert.equal(config.kafka.partitions, 12);
  assert.equal(config.shutdownTimeoutMs, 10_000);
  assert.equal(config.auth, 'on');
  assert.deepEqual(config.apiKeys, [KEY]);
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
    PURCHASE_AUTH: 'off',
  });
  assert.equal(config.port, 18080);
  assert.deepEqual(config.kafka.brokers, ['a:9092', 'b:9093']);
  assert.equal(config.kafka.topic, 't1');
  assert.equal(config.kafka.partitions, 6);
  assert.equal(config.workers, 3);
  assert.equal(config.maxInFlight, 10);
});

test('API keys are a secret: present but never serialised', () => {
  const config = loadPurchaseConfig({ PURCHASE_API_KEYS: `${KEY}, k2-0123456789abcdef` });
  assert.deepEqual(config.apiKeys, [KEY, 'k2-0123456789abcdef']);
  assert.ok(!JSON.stringify(config).includes('0123456789abcdef'));
});

test('authentication is on by default: without a key the service refuses to start', () => {
  for (const env of [{}, { PURCHASE_AUTH: 'on' }, { PURCHASE_API_KEYS: ' , ' }]) {
    assert.throws(
      () => loadPurchaseConfig(env),
      (error: unknown) =>
        error instanceof ConfigError &&
        /PURCHASE_API_KEYS: no key/.test(error.message) &&
        /PURCHASE_AUTH=off/.test(error.message),
      JSON.stringify(env),
    );
  }
});

test('PURCHASE_AUTH=off is the explicit switch to anonymous writes; keys given with it are ignored', () => {
  const open = loadPurchaseConfig({ PURCHASE_AUTH: 'off' });
  assert.equal(open.auth, 'off');
  assert.deepEqual(open.apiKeys, []);
  assert.equal(open.ignoredApiKeys, 0);
  const ignoring = loadPurchaseConfig({ PURCHASE_AUTH: 'off', PURCHASE_API_KEYS: KEY });
  assert.deepEqual(ignoring.apiKeys, []);
  assert.equal(ignoring.ignoredApiKeys, 1);
  assert.throws(() => loadPurchaseConfig({ PURCHASE_AUTH: 'no' }), /PURCHASE_AUTH/);
});

test('a short key, or one with a space, is refused', () => {
  for (const keys of ['short', `${KEY},abc`, 'sixteen chars here']) {
    assert.throws(
      () => loadPurchaseConfig({ PURCHASE_API_KEYS: keys }),
      /PURCHASE_API_KEYS: every key must be at least 16 characters/,
    );
  }
});

test('every bad variable is named', () => {
  assert.throws(
    () => loadPurchaseConfig({ PORT: 'x', KAFKA_PARTITIONS: '0', PURCHASE_BATCH_LINGER_MS: '-1' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      ['PORT', 'KAFKA_PARTITIONS', 'PURCHASE_BATCH_LINGER_MS'].every((name) => error.message.includes(name)),
  );
});

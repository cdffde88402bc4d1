import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tillstream/config';
import { loadConsumerConfig } from '../../src/config.js';
import { loadRabbitMqBaselineConfig } from '../../src/baselines/config.js';

test('the rabbitmq baseline needs no Kafka brokers; its options have defaults and the URL stays out of logs', () => {
  const config = loadRabbitMqBaselineConfig({
    SHARD_URLS: 'postgres://u:p@h:5433/db',
    RABBITMQ_URL: 'amqp://guest:hidden@127.0.0.1:5673',
  });
  assert.equal(config.database.urls[0], 'postgres://u:p@h:5433/db');
  assert.equal(config.rabbitmq.url, 'amqp://guest:hidden@127.0.0.1:5673');
  assert.equal(config.rabbitmq.queue, 'purchases');
  assert.equal(config.rabbitmq.prefetch, 500);
  assert.equal(config.retryInitialMs, 200);
  assert.doesNotMatch(JSON.stringify(config), /hidden/);
});

test('the baseline keeps the process rules of every consumer', () => {
  assert.throws(
    () =>
      loadRabbitMqBaselineConfig({
        SHARD_URLS: 'postgres://h:5433/db',
        CONSUMER_RETRY_INITIAL_MS: '500',
        CONSUMER_RETRY_MAX_MS: '100',
      }),
    (e: unknown) => e instanceof ConfigError && /CONSUMER_RETRY_MAX_MS/.test(e.message),
  );
});

test('the designed consumer always requires brokers, whatever MODE says', () => {
  for (const MODE of [undefined, 'rabbitmq']) {
    assert.throws(
      () => loadConsumerConfig({ SHARD_URLS: 'postgres://h:5433/db', ...(MODE ? { MODE } : {}) }),
      (e: unknown) => e instanceof ConfigError && /KAFKA_BROKERS/.test(e.message),
    );
  }
});

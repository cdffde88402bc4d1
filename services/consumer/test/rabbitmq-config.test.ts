import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tillstream/config';
import { loadConsumerConfig } from '../src/config.js';

test('MODE=rabbitmq needs no Kafka brokers; its options have defaults and the URL stays out of logs', () => {
  const config = loadConsumerConfig({
    MODE: 'rabbitmq',
    SHARD_URLS: 'postgres://u:p@h:5433/db',
    RABBITMQ_URL: 'amqp://guest:hidden@127.0.0.1:5673',
  });
  assert.equal(config.mode, 'rabbitmq');
  assert.equal(config.rabbitmq.url, 'amqp://guest:hidden@127.0.0.1:5673');
  assert.equal(config.rabbitmq.queue, 'purchases');
  assert.equal(config.rabbitmq.prefetch, 500);
  assert.doesNotMatch(JSON.stringify(config), /hidden/);
});

test('kafka-sharded (the default) still requires brokers', () => {
  assert.throws(
    () => loadConsumerConfig({ SHARD_URLS: 'postgres://h:5433/db' }),
    (e: unknown) => e instanceof ConfigError && /KAFKA_BROKERS/.test(e.message),
  );
});

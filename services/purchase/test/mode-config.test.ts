import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tillstream/config';
import { loadPurchaseConfig as loadWithAuth } from '../src/config.js';

// These tests are about MODE; authentication is off so that no key is needed.
const loadPurchaseConfig = (env: Record<string, string>) => loadWithAuth({ PURCHASE_AUTH: 'off', ...env });

test('MODE defaults to kafka-sharded, which needs no database', () => {
  assert.equal(loadPurchaseConfig({}).baseline.mode, 'kafka-sharded');
});

test('sync-db writes to DB_URL, else the first of SHARD_URLS, and never logs the password', () => {
  const config = loadPurchaseConfig({
    MODE: 'sync-db',
    SHARD_URLS: 'postgres://u:secret@h1:5433/db,postgres://u:secret@h2:5434/db',
  });
  assert.equal(config.baseline.dbUrl, 'postgres://u:secret@h1:5433/db');
  assert.doesNotMatch(JSON.stringify(config), /secret/);
  const explicit = loadPurchaseConfig({
    MODE: 'sync-db',
    DB_URL: 'postgres://h9/db',
    SHARD_URLS: 'postgres://h1/db',
  });
  assert.equal(explicit.baseline.dbUrl, 'postgres://h9/db');
});

test('sync-db without a database and an unknown MODE are config errors', () => {
  assert.throws(
    () => loadPurchaseConfig({ MODE: 'sync-db' }),
    (e: unknown) => e instanceof ConfigError && /DB_URL/.test(e.message),
  );
  assert.throws(() => loadPurchaseConfig({ MODE: 'kafka' }), ConfigError);
});

test('rabbitmq: broker URL, queue and channel pool size', () => {
  const config = loadPurchaseConfig({
    MODE: 'rabbitmq',
    RABBITMQ_URL: 'amqp://guest:pw@127.0.0.1:5673',
    RABBITMQ_QUEUE: 'q1',
    RABBITMQ_CHANNELS: '4',
  });
  assert.equal(config.baseline.rabbitmqUrl, 'amqp://guest:pw@127.0.0.1:5673');
  assert.equal(config.baseline.rabbitmqQueue, 'q1');
  assert.equal(config.baseline.rabbitmqChannels, 4);
  assert.doesNotMatch(JSON.stringify(config), /pw@/);
});

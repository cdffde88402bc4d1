import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tillstream/config';
import { loadPurchaseConfig } from '../../src/config.js';
import { loadBaselineConfig } from '../../src/baselines/config.js';

test('the baselines need MODE (sync-db or rabbitmq); the design knows nothing of it', () => {
  assert.throws(
    () => loadBaselineConfig({}),
    (e: unknown) => e instanceof ConfigError && /MODE/.test(e.message),
  );
  assert.throws(() => loadBaselineConfig({ MODE: 'kafka-sharded' }), ConfigError);
  const design = loadPurchaseConfig({ PURCHASE_AUTH: 'off', MODE: 'sync-db' });
  assert.equal('baseline' in design, false);
  assert.doesNotMatch(JSON.stringify(design), /sync-db|MODE/);
});

test('sync-db writes to DB_URL, else the first of SHARD_URLS, and never logs the password', () => {
  const config = loadBaselineConfig({
    MODE: 'sync-db',
    SHARD_URLS: 'postgres://u:secret@h1:5433/db,postgres://u:secret@h2:5434/db',
  });
  assert.equal(config.dbUrl, 'postgres://u:secret@h1:5433/db');
  assert.equal(config.redacted.dbUrl.includes('secret'), false);
  assert.doesNotMatch(JSON.stringify(config), /secret/);
  const explicit = loadBaselineConfig({
    MODE: 'sync-db',
    DB_URL: 'postgres://h9/db',
    SHARD_URLS: 'postgres://h1/db',
  });
  assert.equal(explicit.dbUrl, 'postgres://h9/db');
});

test('sync-db without a database is a config error', () => {
  assert.throws(
    () => loadBaselineConfig({ MODE: 'sync-db' }),
    (e: unknown) => e instanceof ConfigError && /DB_URL/.test(e.message),
  );
});

test('rabbitmq: broker URL, queue and channel pool size; its own reconnect pause', () => {
  const config = loadBaselineConfig({
    MODE: 'rabbitmq',
    RABBITMQ_URL: 'amqp://guest:pw@127.0.0.1:5673',
    RABBITMQ_QUEUE: 'q1',
    RABBITMQ_CHANNELS: '4',
    BASELINE_RECONNECT_BACKOFF_MS: '250',
  });
  assert.equal(config.rabbitmqUrl, 'amqp://guest:pw@127.0.0.1:5673');
  assert.equal(config.rabbitmqQueue, 'q1');
  assert.equal(config.rabbitmqChannels, 4);
  assert.equal(config.reconnectBackoffMs, 250);
  assert.doesNotMatch(JSON.stringify(config), /pw@/);
});

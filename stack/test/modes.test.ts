import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT, loadStackSettings } from '../src/settings.js';
import { servicePlans } from '../src/services.js';

const KEY = 'tsk_test-key-0123456789';

test('kafka-sharded (default): SHARD_COUNT shards, the three services of the design (their main.js, no MODE)', () => {
  const settings = loadStackSettings({ SHARD_COUNT: '4' });
  assert.equal(settings.mode, 'kafka-sharded');
  assert.equal(settings.shards.count, 4);
  const plans = servicePlans(settings, KEY);
  assert.deepEqual(
    plans.map((p) => p.name),
    ['consumer', 'purchase', 'store'],
  );
  for (const plan of plans) {
    assert.equal(path.relative(REPO_ROOT, plan.entry), `services/${plan.name}/dist/main.js`);
    assert.equal(plan.spec.env?.MODE, undefined);
    assert.equal(plan.spec.env?.RABBITMQ_URL, undefined);
  }
});

test('sync-db: one database named alone in SHARD_URLS, no consumer', () => {
  const settings = loadStackSettings({ MODE: 'sync-db', SHARD_COUNT: '4' });
  assert.equal(settings.shards.count, 1);
  const plans = servicePlans(settings, KEY);
  assert.deepEqual(
    plans.map((p) => p.name),
    ['purchase', 'store'],
  );
  assert.equal(plans[0]!.spec.env?.SHARD_URLS?.split(',').length, 1);
  assert.equal(plans[0]!.spec.env?.MODE, 'sync-db');
  assert.deepEqual(
    plans.map((p) => path.relative(REPO_ROOT, p.entry)),
    ['services/purchase/dist/baselines/main.js', 'services/store/dist/main.js'],
  );
});

test('rabbitmq: the three services get the broker URL on the configured port', () => {
  const settings = loadStackSettings({ MODE: 'rabbitmq', RABBITMQ_PORT: '15673' });
  const plans = servicePlans(settings, KEY);
  assert.equal(plans.length, 3);
  for (const plan of plans) assert.equal(plan.spec.env?.RABBITMQ_URL, 'amqp://guest:guest@127.0.0.1:15673');
  assert.deepEqual(
    plans.map((p) => path.relative(REPO_ROOT, p.entry)),
    [
      'services/consumer/dist/baselines/main.js',
      'services/purchase/dist/baselines/main.js',
      'services/store/dist/main.js',
    ],
  );
});

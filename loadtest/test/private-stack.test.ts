import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ensureStackApiKey } from '@tillstream/stack';
import { resultsDirSetting } from '../src/config.js';
import { costSettingsOf, readPrivateStack } from '../src/private-stack.js';

test("a run's recorded command names the stack settings that shape its cost, and only those set", () => {
  assert.deepEqual(
    costSettingsOf({
      PURCHASE_WORKERS: '1',
      SHARD_PG_OPTIONS: 'wal_compression=off',
      CLIENTS: '1024',
      HOME: '/root',
    }),
    { PURCHASE_WORKERS: '1', SHARD_PG_OPTIONS: 'wal_compression=off' },
  );
  assert.deepEqual(costSettingsOf({}), {});
});

test('RESULTS_DIR is part of a recorded command when it is not the default', () => {
  assert.deepEqual(resultsDirSetting({}), {});
  assert.deepEqual(resultsDirSetting({ RESULTS_DIR: 'results/' }), {});
  assert.deepEqual(resultsDirSetting({ RESULTS_DIR: 'results/levers/x' }), {
    RESULTS_DIR: 'results/levers/x',
  });
});

test("a private stack's targets are its own services, shards and key, whatever the explicit variables say", async () => {
  const stackDir = mkdtempSync(path.join(os.tmpdir(), 'private-stack-'));
  const saved = process.env.PURCHASE_URL;
  process.env.PURCHASE_URL = 'http://elsewhere:80';
  try {
    const key = ensureStackApiKey(stackDir);
    writeFileSync(
      path.join(stackDir, 'state.json'),
      JSON.stringify({
        status: 'running',
        supervisor: { pid: 42 },
        kafka: { partitions: 6 },
        shards: [{ url: 'postgres://a' }, { url: 'postgres://b' }],
        services: {
          purchase: { url: 'http://127.0.0.1:18080', pids: [43] },
          store: { url: 'http://127.0.0.1:18081' },
          consumer: { url: 'http://127.0.0.1:18082' },
        },
      }),
    );
    const { state, targets } = await readPrivateStack(stackDir);
    assert.equal(state.supervisor.pid, 42);
    assert.deepEqual(targets, {
      purchaseUrl: 'http://127.0.0.1:18080',
      apiKey: key,
      storeUrl: 'http://127.0.0.1:18081',
      consumerMetricsUrl: 'http://127.0.0.1:18082/metrics',
      shardUrls: ['postgres://a', 'postgres://b'],
      topology: { partitionCount: 6, shardCount: 2 },
    });
    await assert.rejects(readPrivateStack(path.join(stackDir, 'missing')), /state\.json/);
  } finally {
    if (saved === undefined) delete process.env.PURCHASE_URL;
    else process.env.PURCHASE_URL = saved;
    rmSync(stackDir, { recursive: true, force: true });
  }
});

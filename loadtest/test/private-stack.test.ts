import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resultsDirSetting } from '../src/config.js';
import { costSettingsOf } from '../src/private-stack.js';

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

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@tillstream/config';
import { planShards, postgresCommand } from '../src/postgres.js';
import { loadStackSettings } from '../src/settings.js';

test("SHARD_PG_OPTIONS: every shard server gets them after the stack's own settings, so they win", () => {
  const settings = loadStackSettings({
    STACK_DIR: '/tmp/x',
    SHARD_PG_OPTIONS: ' wal_compression=off  checkpoint_timeout=15min ',
  });
  assert.deepEqual(settings.shards.pgOptions, ['wal_compression=off', 'checkpoint_timeout=15min']);
  for (const shard of planShards(settings)) {
    const { args } = postgresCommand(shard, '/usr/lib/postgresql/bin', settings.shards.pgOptions);
    const values = args.filter((_, i) => args[i - 1] === '-c');
    assert.ok(values.includes('wal_compression=on'), 'the default is there');
    assert.ok(
      values.lastIndexOf('wal_compression=off') > values.indexOf('wal_compression=on'),
      'postgres takes the last -c of a name',
    );
    assert.equal(values.at(-1), 'checkpoint_timeout=15min');
  }
  assert.deepEqual(loadStackSettings({ STACK_DIR: '/tmp/x' }).shards.pgOptions, []);
});

test('SHARD_PG_OPTIONS that are not name=value pairs are refused by name', () => {
  for (const value of ['wal_compression', 'fsync=off; DROP', '=on']) {
    assert.throws(
      () => loadStackSettings({ SHARD_PG_OPTIONS: value }),
      (error: unknown) => error instanceof ConfigError && error.message.includes('SHARD_PG_OPTIONS'),
      value,
    );
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The migration CLI validates SHARD_URLS before it touches a database: exit 2 and a message naming
// the variable, never a stack trace or a connection attempt to something that is not PostgreSQL.
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const run = (shardUrls: string) =>
  spawnSync(process.execPath, ['--conditions=tillstream-source', '--import', 'tsx', cli], {
    env: { ...process.env, SHARD_URLS: shardUrls },
    encoding: 'utf8',
    timeout: 30_000,
  });

test('an empty SHARD_URLS exits 2 and says what to set', () => {
  const result = run('');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /SHARD_URLS: set it to the comma-separated postgres:\/\/ URLs/);
});

test('a URL that is not postgres:// exits 2 and names the protocol, with the password redacted', () => {
  const result = run('postgres://a@127.0.0.1:1/x,http://user:secret@example.test/db');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /SHARD_URLS: expected postgres: or postgresql: URL, got http:/);
  assert.doesNotMatch(result.stderr, /secret/);
});

test('a KAFKA_PARTITIONS below the shard count exits 2 before any shard is touched', () => {
  const result = spawnSync(process.execPath, ['--conditions=tillstream-source', '--import', 'tsx', cli], {
    env: {
      ...process.env,
      SHARD_URLS: 'postgres://a@127.0.0.1:1/x,postgres://a@127.0.0.1:1/y',
      KAFKA_PARTITIONS: '1',
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /KAFKA_PARTITIONS: 1 is less than the 2 SHARD_URLS/);
});

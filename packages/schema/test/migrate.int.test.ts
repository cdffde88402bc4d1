import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { useStack, uniqueName } from '@tillstream/stack/harness';
import { dropDatabase, ensureDatabase } from '@tillstream/stack';
import { migrate, readMigrations } from '../src/migrate.js';

const state = await useStack();
const server = state.shards[0]!.url;
const database = uniqueName('migrate');
await ensureDatabase(server, database);
const url = new URL(server);
url.pathname = `/${database}`;
after(() => dropDatabase(server, database));

test('migrations apply once, then are a no-op', async () => {
  const all = await readMigrations();
  assert.ok(all.length >= 1);
  assert.deepEqual(
    await migrate(url.toString()),
    all.map((m) => m.version),
  );
  assert.deepEqual(await migrate(url.toString()), []);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    assert.deepEqual(
      rows.map((r) => r.table_name),
      [
        'consumer_offsets',
        'purchase_items',
        'purchases',
        'schema_migrations',
        'shard_identity',
        'store_item_totals',
      ],
    );
  } finally {
    await client.end();
  }
});

test('concurrent runners do not apply a migration twice', async () => {
  const db = uniqueName('migrate_race');
  await ensureDatabase(server, db);
  const u = new URL(server);
  u.pathname = `/${db}`;
  try {
    const results = await Promise.all([migrate(u.toString()), migrate(u.toString()), migrate(u.toString())]);
    assert.equal(results.flat().length, (await readMigrations()).length);
  } finally {
    await dropDatabase(server, db);
  }
});

test('a migration edited after it was applied is refused', async () => {
  const [first] = await readMigrations();
  await assert.rejects(
    migrate(url.toString(), [{ ...first!, checksum: 'changed' }]),
    /changed after it was applied/,
  );
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestShards, type TestShards } from '@tillstream/stack/harness';
import { WRITE_PARTITION_CHUNK_SQL } from '../src/purchase-writes.js';

// The consumer's write on a real PostgreSQL: a new purchase whose idempotency key hash already names
// another purchase is inserted and counted, and reported (stored before, or earlier in the chunk).

let shards: TestShards;
let client: pg.Client;
before(async () => {
  shards = await createTestShards(1);
  client = new pg.Client({ connectionString: shards.urls[0] });
  await client.connect();
});
after(async () => {
  await client?.end();
  await shards?.remove();
});

const HASH = '1e1a4302-4f01-53b2-879e-b35b38d755a2';
let nextOffset = 0;

/** Writes purchases (id, key hash or null, item quantity) as one chunk of partition 0. */
async function write(purchases: [string, string | null, number][]) {
  const offsets = purchases.map(() => nextOffset++);
  const { rows } = await client.query<{
    received_ms: number[];
    conflict_ids: string[];
    conflict_first_ids: string[];
  }>(WRITE_PARTITION_CHUNK_SQL, [
    'purchases',
    0,
    purchases.map(([id]) => id),
    purchases.map(() => 7),
    purchases.map(() => 9),
    purchases.map(() => '2025-01-01'),
    purchases.map(() => '2025-01-01T00:00:00Z'),
    offsets,
    purchases.map(([id]) => id),
    purchases.map(() => 1),
    purchases.map(([, , quantity]) => quantity),
    nextOffset,
    purchases.map(([, hash]) => hash),
  ]);
  const row = rows[0]!;
  return {
    inserted: row.received_ms.length,
    conflicts: row.conflict_ids.map((id, i) => [id, row.conflict_first_ids[i]]),
  };
}

const id = (n: number) => `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`;

test('a second purchase under a key hash is counted and reported, within a chunk and across chunks', async () => {
  assert.deepEqual(await write([[id(1), HASH, 2]]), { inserted: 1, conflicts: [] });
  // The same purchase again (a retry): nothing inserted, nothing reported.
  assert.deepEqual(await write([[id(1), HASH, 2]]), { inserted: 0, conflicts: [] });
  // Another purchase under the stored key hash, and a third one after it in the same chunk.
  assert.deepEqual(
    await write([
      [id(2), HASH, 3],
      [id(3), HASH, 4],
    ]),
    {
      inserted: 2,
      conflicts: [
        [id(2), id(1)],
        [id(3), id(1)],
      ],
    },
  );
  // Unkeyed purchases are never reported; two under a new hash in one chunk are.
  const other = '2e1a4302-4f01-53b2-879e-b35b38d755a2';
  assert.deepEqual(
    await write([
      [id(4), null, 1],
      [id(5), null, 1],
      [id(6), other, 1],
      [id(7), other, 1],
    ]),
    {
      inserted: 4,
      conflicts: [[id(7), id(6)]],
    },
  );
  const total = await client.query<{ quantity: string }>(
    'SELECT quantity FROM store_item_totals WHERE store_id = 7 AND item_id = 1',
  );
  assert.equal(
    Number(total.rows[0]!.quantity),
    2 + 3 + 4 + 1 + 1 + 1 + 1,
    'every distinct purchase counted once',
  );
});

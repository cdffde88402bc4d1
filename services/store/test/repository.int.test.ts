import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestShards, type TestShards } from '@tillstream/stack/harness';
import { createLogger } from '@tillstream/observability';
import { TOP_ITEMS_SQL, TOP_STORES_SQL, createPool, pgShardRepository } from '../src/repository.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('shard repository on PostgreSQL', () => {
  let shards: TestShards;
  let client: pg.Client;
  let pool: pg.Pool;

  before(async () => {
    shards = await createTestShards(1);
    client = new pg.Client({ connectionString: shards.urls[0] });
    await client.connect();
    // 2,000 stores × 40 items: enough that a sequential scan would be the planner's choice if the
    // indexes did not fit the queries.
    await client.query(`INSERT INTO store_item_totals (store_id, item_id, quantity)
      SELECT s, i, 1 + (s * 7 + i * 13) % 97 FROM generate_series(1, 2000) s, generate_series(1, 40) i`);
    await client.query(
      'INSERT INTO store_item_totals VALUES (5000, 1, 5000000000), (5000, 2, 5000000000), (5000, 3, 7)',
    );
    await client.query('ANALYZE store_item_totals');
    pool = createPool(
      { url: shards.urls[0]!, max: 2, timeoutMs: 2000, applicationName: 'store-test' },
      createLogger('store', 'silent'),
    );
  });

  after(async () => {
    await pool?.end();
    await client?.end();
    await shards?.remove();
  });

  for (const [name, sql, index] of [
    ['top items', TOP_ITEMS_SQL, 'store_item_totals_top_items'],
    ['top stores', TOP_STORES_SQL, 'store_item_totals_top_stores'],
  ] as const) {
    for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
      it(`${name} reads its index, never a sequential scan (${mode})`, async () => {
        const statement = `explain_${name.replace(' ', '_')}_${mode}`;
        await client.query(`SET plan_cache_mode = ${mode}`);
        await client.query(`PREPARE ${statement}(integer) AS ${sql}`);
        try {
          const result = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
            `EXPLAIN (FORMAT JSON) EXECUTE ${statement}(17)`,
          );
          const plan = nodes(result.rows[0]!['QUERY PLAN'][0].Plan);
          const types = plan.map((n) => n['Node Type']);
          assert.ok(!types.includes('Seq Scan'), `sequential scan in ${JSON.stringify(types)}`);
          assert.ok(
            plan.some(
              (n) => ['Index Scan', 'Index Only Scan'].includes(n['Node Type']) && n['Index Name'] === index,
            ),
            `no scan of ${index} in ${JSON.stringify(plan.map((n) => [n['Node Type'], n['Index Name']]))}`,
          );
          assert.ok(!types.includes('Sort'), 'the index order should make a sort unnecessary');
        } finally {
          await client.query(`DEALLOCATE ${statement}`);
          await client.query('RESET plan_cache_mode');
        }
      });
    }
  }

  it('answers in the documented order with totals as JSON numbers, bigints included', async () => {
    const repository = pgShardRepository(pool);
    const items = await repository.topItems(5000);
    assert.deepEqual(items, [
      { itemID: 1, numberOfItems: 5_000_000_000 },
      { itemID: 2, numberOfItems: 5_000_000_000 },
      { itemID: 3, numberOfItems: 7 },
    ]);
    const stores = await repository.topStores(1);
    assert.equal(stores.length, 10);
    assert.deepEqual(stores[0], { storeID: 5000, numberOfItems: 5_000_000_000 });
    const expected = await client.query<{ store_id: number; quantity: string }>(
      'SELECT store_id, quantity FROM store_item_totals WHERE item_id = 1',
    );
    const truth = expected.rows
      .map((r) => ({ storeID: r.store_id, numberOfItems: Number(r.quantity) }))
      .sort((a, b) => b.numberOfItems - a.numberOfItems || a.storeID - b.storeID)
      .slice(0, 10);
    assert.deepEqual(stores, truth);
    assert.deepEqual(await repository.topItems(999_999), []);
  });
});

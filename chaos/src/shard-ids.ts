/** Reads every purchase_id of a store-id range from each shard (for the exactly-once check). */
import pg from 'pg';

export async function purchaseIdsOnShards(
  shardUrls: readonly string[],
  fromStore: number,
  toStore: number,
): Promise<string[][]> {
  return Promise.all(
    shardUrls.map(async (connectionString) => {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        const { rows } = await client.query<{ purchase_id: string }>(
          'SELECT purchase_id::text FROM purchases WHERE store_id BETWEEN $1 AND $2',
          [fromStore, toStore],
        );
        return rows.map((r) => r.purchase_id);
      } finally {
        await client.end();
      }
    }),
  );
}

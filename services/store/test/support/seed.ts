import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { partitionOfStore, shardOfStore, type Topology } from '@tillstream/contract';
import type { ItemCount, StoreCount } from '../../src/domain/top-lists.js';

export interface Purchase {
  readonly storeId: number;
  readonly customerId: number;
  readonly items: readonly { readonly itemId: number; readonly quantity: number }[];
}

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) };
}

/**
 * Writes purchases as the consumer does (migrations/001_purchases.sql): raw rows plus the
 * store_item_totals aggregate, each on the shard the shard map assigns to the store.
 */
export async function writePurchases(
  urls: readonly string[],
  purchases: readonly Purchase[],
  partitionCount: number,
) {
  const topology: Topology = { partitionCount, shardCount: urls.length };
  const offsets = new Map<number, number>();
  await Promise.all(
    urls.map(async (url, shard) => {
      const mine = purchases.filter((p) => shardOfStore(p.storeId, topology) === shard);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('BEGIN');
        for (const purchase of mine) {
          const id = randomUUID();
          const partition = partitionOfStore(purchase.storeId, topology);
          const offset = offsets.get(partition) ?? 0;
          offsets.set(partition, offset + 1);
          await client.query(
            `INSERT INTO purchases (purchase_id, store_id, customer_id, purchase_date, received_at, kafka_partition, kafka_offset)
             VALUES ($1, $2, $3, CURRENT_DATE, now(), $4, $5)`,
            [id, purchase.storeId, purchase.customerId, partition, offset],
          );
          for (const item of purchase.items) {
            await client.query(
              'INSERT INTO purchase_items (purchase_id, item_id, quantity) VALUES ($1, $2, $3)',
              [id, item.itemId, item.quantity],
            );
            await client.query(
              `INSERT INTO store_item_totals (store_id, item_id, quantity) VALUES ($1, $2, $3)
               ON CONFLICT (store_id, item_id) DO UPDATE SET quantity = store_item_totals.quantity + EXCLUDED.quantity`,
              [purchase.storeId, item.itemId, item.quantity],
            );
          }
        }
        await client.query('COMMIT');
      } finally {
        await client.end();
      }
    }),
  );
}

/** The answers the API must give, computed from the purchases alone. */
export function groundTruth(purchases: readonly Purchase[]) {
  const totals = new Map<number, Map<number, number>>(); // store → item → quantity
  for (const p of purchases) {
    const items = totals.get(p.storeId) ?? new Map<number, number>();
    for (const { itemId, quantity } of p.items) items.set(itemId, (items.get(itemId) ?? 0) + quantity);
    totals.set(p.storeId, items);
  }
  const topItems = (storeId: number): ItemCount[] =>
    [...(totals.get(storeId) ?? new Map<number, number>())]
      .map(([itemID, numberOfItems]) => ({ itemID, numberOfItems }))
      .sort((a, b) => b.numberOfItems - a.numberOfItems || a.itemID - b.itemID)
      .slice(0, 10);
  const topStores = (itemId: number): StoreCount[] =>
    [...totals]
      .filter(([, items]) => items.has(itemId))
      .map(([storeID, items]) => ({ storeID, numberOfItems: items.get(itemId)! }))
      .sort((a, b) => b.numberOfItems - a.numberOfItems || a.storeID - b.storeID)
      .slice(0, 10);
  const stores = [...totals.keys()];
  const items = [...new Set(purchases.flatMap((p) => p.items.map((i) => i.itemId)))];
  return { topItems, topStores, stores, items };
}

/** Random purchases with many ties (small quantities), stores 1…storeCount, items 1…itemCount. */
export function randomPurchases(
  seed: number,
  count: number,
  storeCount: number,
  itemCount: number,
): Purchase[] {
  const rng = random(seed);
  return Array.from({ length: count }, () => {
    const itemIds = new Set<number>();
    const lines = rng.int(1, 5);
    while (itemIds.size < lines) itemIds.add(rng.int(1, itemCount));
    return {
      storeId: rng.int(1, storeCount),
      customerId: rng.int(1, 1000),
      items: [...itemIds].map((itemId) => ({ itemId, quantity: rng.int(1, 3) })),
    };
  });
}

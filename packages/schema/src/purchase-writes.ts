/**
 * The write of a set of purchases into a shard: the consumer's (Kafka design) and the baseline
 * modes' (sync-db in the purchase service, rabbitmq in the consumer) are one statement in
 * two forms, so every design has the same tables and the same dedup, and a redelivered or retried
 * purchase is counted once.
 *
 * Rows written outside Kafka have no partition or offset: they carry `kafka_partition = -1` and
 * `kafka_offset = 0` (the columns are NOT NULL).
 */

import { advanceNextOffset } from './consumer-offsets.js';

/** The fields of a purchase event this write needs (structurally a `PurchaseEvent`). */
export interface PurchaseToWrite {
  readonly purchaseId: string;
  readonly storeId: number;
  readonly customerId: number;
  readonly date: string;
  readonly receivedAt: string;
  readonly items: readonly { readonly itemId: number; readonly quantity: number }[];
}

export const NO_KAFKA_PARTITION = -1;

/**
 * The one purchase write, as a single statement in two forms. Both insert the purchases
 * (`ON CONFLICT (purchase_id) DO NOTHING` is the dedup), then line items and totals only for the
 * purchases this statement really inserted. Totals are summed in SQL and upserted in (store, item)
 * order, so concurrent transactions touching the same keys lock them in the same order (no deadlocks).
 *
 * - direct (the baseline modes): `$1–$5` purchase columns, `$6–$8` item columns; rows carry no
 *   partition or offset; returns `inserted`, the number of purchases newly inserted.
 * - kafka (the consumer): `$1` topic, `$2` partition, `$3–$8` purchase columns with their offsets,
 *   `$9–$11` item columns, `$12` the partition's next offset, advanced in the same statement, `$13`
 *   the purchases' idempotency key hashes (NULL for unkeyed ones); returns `received_ms`, the receive
 *   times of the purchases newly inserted, and `conflict_ids` / `conflict_first_ids`: the new purchases
 *   whose key hash already named another purchase, and that purchase (same length, same order).
 */
function purchaseWriteSql(form: 'direct' | 'kafka'): string {
  const kafka = form === 'kafka';
  const first = kafka ? 3 : 1;
  const col = (i: number) => `$${first + i}`;
  const items = first + (kafka ? 6 : 5);
  return `
WITH input AS (
  SELECT * FROM unnest(${col(0)}::uuid[], ${col(1)}::int[], ${col(2)}::int[], ${col(3)}::date[], ${col(4)}::timestamptz[]${kafka ? `, ${col(5)}::bigint[], $13::uuid[]` : ''})
    AS t(purchase_id, store_id, customer_id, purchase_date, received_at${kafka ? ', kafka_offset, idempotency_key_hash' : ''})
), inserted AS (
  INSERT INTO purchases (purchase_id, store_id, customer_id, purchase_date, received_at, kafka_partition, kafka_offset${kafka ? ', idempotency_key_hash' : ''})
  SELECT purchase_id, store_id, customer_id, purchase_date, received_at, ${kafka ? '$2, kafka_offset, idempotency_key_hash' : `${NO_KAFKA_PARTITION}, 0`} FROM input
  ON CONFLICT (purchase_id) DO NOTHING
  RETURNING purchase_id, store_id, received_at${kafka ? ', kafka_offset, idempotency_key_hash' : ''}
), items AS (
  SELECT * FROM unnest($${items}::uuid[], $${items + 1}::int[], $${items + 2}::int[]) AS i(purchase_id, item_id, quantity)
), new_items AS (
  INSERT INTO purchase_items (purchase_id, item_id, quantity)
  SELECT items.purchase_id, items.item_id, items.quantity FROM items JOIN inserted USING (purchase_id)
), totals AS (
  INSERT INTO store_item_totals AS s (store_id, item_id, quantity)
  SELECT inserted.store_id, items.item_id, sum(items.quantity)
  FROM items JOIN inserted USING (purchase_id)
  GROUP BY inserted.store_id, items.item_id
  ORDER BY inserted.store_id, items.item_id
  ON CONFLICT (store_id, item_id) DO UPDATE SET quantity = s.quantity + EXCLUDED.quantity
)${
    kafka
      ? `, progress AS (
  ${advanceNextOffset('$1', '$2', '$12')}
), conflicts AS (
  -- A new purchase whose idempotency key hash already names another purchase: stored earlier (the
  -- statement's snapshot), or earlier in this chunk. Counted all the same; reported to the caller.
  SELECT n.purchase_id, coalesce(
    (SELECT p.purchase_id FROM purchases p
      WHERE p.idempotency_key_hash = n.idempotency_key_hash AND p.purchase_id <> n.purchase_id LIMIT 1),
    (SELECT e.purchase_id FROM inserted e
      WHERE e.idempotency_key_hash = n.idempotency_key_hash AND e.kafka_offset < n.kafka_offset
      ORDER BY e.kafka_offset LIMIT 1)) AS first_purchase_id
  FROM inserted n WHERE n.idempotency_key_hash IS NOT NULL
)
SELECT coalesce(array_agg(extract(epoch FROM received_at)::float8 * 1000), '{}') AS received_ms,
  (SELECT coalesce(array_agg(purchase_id::text ORDER BY purchase_id), '{}') FROM conflicts
    WHERE first_purchase_id IS NOT NULL) AS conflict_ids,
  (SELECT coalesce(array_agg(first_purchase_id::text ORDER BY purchase_id), '{}') FROM conflicts
    WHERE first_purchase_id IS NOT NULL) AS conflict_first_ids
FROM inserted`
      : `
SELECT count(*)::int AS inserted FROM inserted`
  }`;
}

/** The purchase write outside Kafka (sync-db and rabbitmq modes); parameters from purchaseWriteParams. */
export const WRITE_PURCHASES_SQL = purchaseWriteSql('direct');

/** The consumer's write of one partition's chunk, advancing the partition's progress row with it. */
export const WRITE_PARTITION_CHUNK_SQL = purchaseWriteSql('kafka');

/**
 * The parameters of WRITE_PURCHASES_SQL: column arrays (one parameter per column, whatever the
 * number of purchases). A purchase id repeated within one call is kept once (its first occurrence),
 * since one INSERT … ON CONFLICT cannot affect the same row twice.
 */
export function purchaseWriteParams(purchases: readonly PurchaseToWrite[]): unknown[] {
  const ids: string[] = [];
  const stores: number[] = [];
  const customers: number[] = [];
  const dates: string[] = [];
  const receivedAts: string[] = [];
  const itemPurchaseIds: string[] = [];
  const itemIds: number[] = [];
  const quantities: number[] = [];
  const seen = new Set<string>();
  for (const purchase of purchases) {
    if (seen.has(purchase.purchaseId)) continue;
    seen.add(purchase.purchaseId);
    ids.push(purchase.purchaseId);
    stores.push(purchase.storeId);
    customers.push(purchase.customerId);
    dates.push(purchase.date);
    receivedAts.push(purchase.receivedAt);
    for (const item of purchase.items) {
      itemPurchaseIds.push(purchase.purchaseId);
      itemIds.push(item.itemId);
      quantities.push(item.quantity);
    }
  }
  return [ids, stores, customers, dates, receivedAts, itemPurchaseIds, itemIds, quantities];
}

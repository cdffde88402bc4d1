/**
 * The single-database write of a set of purchases, used by the baseline modes (issue 10: sync-db in
 * the purchase service, rabbitmq in the consumer). Same tables and the same dedup as the Kafka design:
 * `ON CONFLICT (purchase_id) DO NOTHING`, and line items and totals only for the purchases this
 * statement really inserted, so a redelivered or retried purchase is counted once.
 *
 * Rows written outside Kafka have no partition or offset: they carry `kafka_partition = -1` and
 * `kafka_offset = 0` (the columns are NOT NULL).
 */

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
 * One statement: totals are summed in SQL and upserted in (store, item) order, so concurrent
 * transactions touching the same keys lock them in the same order (no deadlocks). Returns the number
 * of purchases newly inserted (the rest were duplicates).
 */
export const WRITE_PURCHASES_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::date[], $5::timestamptz[])
    AS t(purchase_id, store_id, customer_id, purchase_date, received_at)
), inserted AS (
  INSERT INTO purchases (purchase_id, store_id, customer_id, purchase_date, received_at, kafka_partition, kafka_offset)
  SELECT purchase_id, store_id, customer_id, purchase_date, received_at, ${NO_KAFKA_PARTITION}, 0 FROM input
  ON CONFLICT (purchase_id) DO NOTHING
  RETURNING purchase_id, store_id
), items AS (
  SELECT * FROM unnest($6::uuid[], $7::int[], $8::int[]) AS i(purchase_id, item_id, quantity)
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
)
SELECT count(*)::int AS inserted FROM inserted`;

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

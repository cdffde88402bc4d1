import type { EventMessage } from './batch-plan.js';

/**
 * Column arrays for one `INSERT … SELECT FROM unnest(…)` per table: a whole chunk is two parameter
 * sets, whatever its size (no per-row statements, no 65 535-parameter limit).
 */
export interface PurchaseColumns {
  readonly purchaseIds: string[];
  readonly storeIds: number[];
  readonly customerIds: number[];
  readonly dates: string[];
  readonly receivedAts: string[];
  readonly offsets: number[];
}

export interface ItemColumns {
  readonly purchaseIds: string[];
  readonly itemIds: number[];
  readonly quantities: number[];
}

export interface WriteRows {
  readonly purchases: PurchaseColumns;
  readonly items: ItemColumns;
}

export function buildRows(events: readonly EventMessage[]): WriteRows {
  const purchases: PurchaseColumns = {
    purchaseIds: [],
    storeIds: [],
    customerIds: [],
    dates: [],
    receivedAts: [],
    offsets: [],
  };
  const items: ItemColumns = { purchaseIds: [], itemIds: [], quantities: [] };
  for (const { event, offset } of events) {
    purchases.purchaseIds.push(event.purchaseId);
    purchases.storeIds.push(event.storeId);
    purchases.customerIds.push(event.customerId);
    purchases.dates.push(event.date);
    purchases.receivedAts.push(event.receivedAt);
    purchases.offsets.push(offset);
    for (const item of event.items) {
      items.purchaseIds.push(event.purchaseId);
      items.itemIds.push(item.itemId);
      items.quantities.push(item.quantity);
    }
  }
  return { purchases, items };
}

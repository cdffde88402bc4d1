import { EventHeaders } from '@tillstream/contract';
import type { EventMessage, InboundMessage } from './batch-plan.js';

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
  /** The `idempotency-key-hash` header of keyed purchases; null for the others. */
  readonly idempotencyKeyHashes: (string | null)[];
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
    idempotencyKeyHashes: [],
  };
  const items: ItemColumns = { purchaseIds: [], itemIds: [], quantities: [] };
  for (const { event, offset, message } of events) {
    purchases.purchaseIds.push(event.purchaseId);
    purchases.storeIds.push(event.storeId);
    purchases.customerIds.push(event.customerId);
    purchases.dates.push(event.date);
    purchases.receivedAts.push(event.receivedAt);
    purchases.offsets.push(offset);
    purchases.idempotencyKeyHashes.push(idempotencyKeyHashOf(message));
    for (const item of event.items) {
      items.purchaseIds.push(event.purchaseId);
      items.itemIds.push(item.itemId);
      items.quantities.push(item.quantity);
    }
  }
  return { purchases, items };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The message's idempotency key hash; null when absent or not a UUID (then no conflict is looked for). */
export function idempotencyKeyHashOf(message: InboundMessage): string | null {
  const header = message.headers?.[EventHeaders.idempotencyKeyHash];
  const value = (Array.isArray(header) ? header[0] : header)?.toString();
  return value !== undefined && UUID.test(value) ? value : null;
}

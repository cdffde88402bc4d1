import {
  EventHeaders,
  PURCHASE_EVENT_VERSION,
  childTraceContext,
  encodePurchaseEvent,
  formatTraceparent,
  parseTraceparent,
  storeKey,
  type LineItem,
  type PurchaseEvent,
} from '@tillstream/contract';
import type { OutgoingMessage } from '../types.js';
import type { PurchasePath } from './purchase-request.js';

export interface AcceptedPurchase {
  readonly path: PurchasePath;
  readonly items: readonly LineItem[];
  readonly purchaseId: string;
  readonly receivedAt: Date;
  /** The idempotency key hash of a keyed request (purchase-id.ts). */
  readonly idempotencyKeyHash?: string | undefined;
  /** The id of the API key that wrote it; undefined when authentication is off. */
  readonly apiKeyId?: string | undefined;
}

export function toPurchaseEvent(purchase: AcceptedPurchase): PurchaseEvent {
  return {
    v: PURCHASE_EVENT_VERSION,
    purchaseId: purchase.purchaseId,
    storeId: purchase.path.storeId,
    customerId: purchase.path.customerId,
    date: purchase.path.date,
    items: purchase.items.map(({ itemId, quantity }) => ({ itemId, quantity })),
    receivedAt: purchase.receivedAt.toISOString(),
  };
}

/**
 * The Kafka message of a purchase: keyed by store (one store's purchases stay ordered in one
 * partition), the versioned event as value, and headers naming the schema version, continuing the
 * caller's trace (a child span of a valid incoming `traceparent`, else a new trace), for a keyed
 * request carrying its idempotency key hash, and for an authenticated one the API key's id.
 */
export function toPurchaseMessage(purchase: AcceptedPurchase, incomingTraceparent?: string): OutgoingMessage {
  const trace = childTraceContext(parseTraceparent(incomingTraceparent));
  return {
    key: storeKey(purchase.path.storeId),
    value: encodePurchaseEvent(toPurchaseEvent(purchase)),
    headers: {
      [EventHeaders.schemaVersion]: String(PURCHASE_EVENT_VERSION),
      [EventHeaders.contentType]: 'application/json',
      [EventHeaders.traceparent]: formatTraceparent(trace),
      ...(purchase.idempotencyKeyHash === undefined
        ? {}
        : { [EventHeaders.idempotencyKeyHash]: purchase.idempotencyKeyHash }),
      ...(purchase.apiKeyId === undefined ? {} : { [EventHeaders.apiKeyId]: purchase.apiKeyId }),
    },
  };
}

/**
 * What a purchase waiting for Kafka costs a worker, for PURCHASE_MAX_IN_FLIGHT_BYTES: its event value
 * and headers, and the request it came with (the parsed body and the request objects live until the
 * answer), a few times the event's size for a large purchase. Measured with max-size purchases held by
 * a paused broker (test/memory-bound.int.test.ts).
 */
export function heldBytesOf(message: OutgoingMessage): number {
  return HELD_BYTES_PER_VALUE_BYTE * message.value.length + HELD_BYTES_PER_REQUEST;
}
const HELD_BYTES_PER_VALUE_BYTE = 6;
const HELD_BYTES_PER_REQUEST = 4 * 1024;

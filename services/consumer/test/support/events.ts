// Builders for unit tests: inbound messages as a Kafka client hands them over.
import { encodePurchaseEvent, type PurchaseEvent } from '@tillstream/contract';
import type { InboundMessage } from '../../src/domain/batch-plan.js';

let counter = 0;

/** A valid event with a deterministic purchaseId. */
export function event(storeId: number, items: [number, number][] = [[1, 1]], id?: number): PurchaseEvent {
  const n = id ?? ++counter;
  return {
    v: 1,
    purchaseId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    storeId,
    customerId: 7,
    date: '2025-01-31',
    items: items.map(([itemId, quantity]) => ({ itemId, quantity })),
    receivedAt: '2025-01-31T12:00:00.000Z',
  };
}

export function message(offset: number, value: PurchaseEvent | string | null): InboundMessage {
  const raw = value === null ? null : typeof value === 'string' ? value : encodePurchaseEvent(value);
  return {
    offset: String(offset),
    key: Buffer.from('k'),
    value: raw === null ? null : Buffer.from(raw),
    headers: { 'schema-version': '1' },
  };
}

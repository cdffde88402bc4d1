import { z } from 'zod';
import { MAX_ID, MAX_ITEMS_PER_PURCHASE, MAX_QUANTITY, MIN_ID } from './limits.js';

/** Version of the event value written by this code. Bump it with a new schema beside the old one. */
export const PURCHASE_EVENT_VERSION = 1;

/** Kafka header names carried by every purchase event. */
export const EventHeaders = Object.freeze({
  schemaVersion: 'schema-version',
  contentType: 'content-type',
  traceparent: 'traceparent',
  /**
   * On purchases sent with an Idempotency-Key: the UUIDv5 of the key in its scope (API key, path).
   * The shard stores it beside the purchase to notice a key reused for a different purchase.
   */
  idempotencyKeyHash: 'idempotency-key-hash',
  /**
   * On purchases written with an API key: the key's id (the first 12 hex digits of its SHA-256, never
   * the key). With the trace id and the event's purchaseId, storeId and receivedAt, the topic is the
   * audit trail of accepted writes: every message on it was acknowledged before its 201.
   */
  apiKeyId: 'api-key-id',
});

/** storeId, customerId and itemId: the API's ids, 0 included. */
const id = z.number().int().min(MIN_ID).max(MAX_ID);

/** The value of a message on the purchases topic, version 1. */
export const PurchaseEventV1 = z
  .object({
    v: z.literal(1),
    purchaseId: z.uuid(),
    storeId: id,
    customerId: id,
    /** The purchase's business date, ISO `YYYY-MM-DD`. */
    date: z.iso.date(),
    /** Line items, one per distinct item id (repeats are summed by the producer). */
    items: z
      .array(z.object({ itemId: id, quantity: z.number().int().min(1).max(MAX_QUANTITY) }).strict())
      .min(1)
      .max(MAX_ITEMS_PER_PURCHASE)
      .refine((items) => new Set(items.map((i) => i.itemId)).size === items.length, {
        message: 'item ids must be distinct',
      }),
    /** When the purchase service accepted the request (its clock), ISO 8601 UTC. */
    receivedAt: z.iso.datetime(),
  })
  .strict();

export type PurchaseEvent = z.infer<typeof PurchaseEventV1>;
export type LineItem = PurchaseEvent['items'][number];

/** Why an event could not be decoded; the consumer sends such events to the dead-letter topic. */
export type DecodeFailure =
  | { readonly reason: 'unparseable'; readonly detail: string }
  | { readonly reason: 'unsupported-version'; readonly detail: string }
  | { readonly reason: 'invalid'; readonly detail: string };

export type DecodeResult =
  { readonly ok: true; readonly event: PurchaseEvent } | ({ readonly ok: false } & DecodeFailure);

export function encodePurchaseEvent(event: PurchaseEvent): string {
  return JSON.stringify(event);
}

/** Decodes and validates a message value. Never throws. */
export function decodePurchaseEvent(value: Uint8Array | string | null | undefined): DecodeResult {
  if (value === null || value === undefined) {
    return { ok: false, reason: 'unparseable', detail: 'message has no value' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : Buffer.from(value).toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'unparseable', detail: (error as Error).message };
  }
  if (typeof parsed !== 'object' || parsed === null || !('v' in parsed)) {
    return { ok: false, reason: 'invalid', detail: 'value is not an object with a version field "v"' };
  }
  if (parsed.v !== PURCHASE_EVENT_VERSION) {
    return { ok: false, reason: 'unsupported-version', detail: `version ${JSON.stringify(parsed.v)}` };
  }
  const result = PurchaseEventV1.safeParse(parsed);
  if (!result.success) {
    return { ok: false, reason: 'invalid', detail: z.prettifyError(result.error) };
  }
  return { ok: true, event: result.data };
}

/** The JSON Schema of the event, for consumers written in other languages. */
export function purchaseEventJsonSchema(): unknown {
  return z.toJSONSchema(PurchaseEventV1, { target: 'draft-2020-12' });
}

import { parse as uuidParse, stringify as uuidStringify, v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import type { LineItem } from '@tillstream/contract';
import type { PurchasePath } from './purchase-request.js';

/**
 * Purchase ids. An `Idempotency-Key` names one request: the key, within its scope (the API key that
 * sent it and the purchase's path), stands for one canonical body. The id of a keyed purchase is a
 * UUIDv5 of the whole request, so a client that retries gets the same id and the consumer stores the
 * purchase once (it dedups on the id), while a different purchase sent with a reused key gets another
 * id and is counted too, never dropped as a "duplicate". The key's scope travels with the event as
 * its own UUIDv5 (the idempotency key hash), so the shard can tell a reused key from a retry and
 * record the conflict. Without a key the id is a UUIDv7: random, and time-ordered so the purchases
 * table's primary key index stays append-mostly.
 */

/** The UUIDv5 namespace of tillstream purchase ids. Changing it changes every derived id. */
export const PURCHASE_ID_NAMESPACE = '3b8e3c52-6f0e-4d37-9a43-0f7c2f0d5a11';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export type IdempotencyKeyCheck =
  { readonly ok: true; readonly key: string | undefined } | { readonly ok: false; readonly problem: string };

/** An absent header is fine; a present one must be 1…200 printable ASCII characters. */
export function checkIdempotencyKey(header: string | undefined): IdempotencyKeyCheck {
  if (header === undefined) return { ok: true, key: undefined };
  if (header.length === 0 || header.length > MAX_IDEMPOTENCY_KEY_LENGTH || !PRINTABLE_ASCII.test(header)) {
    return {
      ok: false,
      problem: `Idempotency-Key must be 1…${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`,
    };
  }
  return { ok: true, key: header };
}

/** The canonical request path of a purchase, whatever encoding the client used for it. */
export function canonicalPurchasePath(path: PurchasePath): string {
  return `/purchase/${path.storeId}/customer/${path.customerId}/date/${path.date.replaceAll('-', '')}`;
}

/**
 * The canonical body of a purchase: its validated line items (repeats already summed) in item id
 * order, so spelling (`"42"` or `42`, `numberOfItems` or `numberOfItems:`) and order do not matter.
 */
export function canonicalPurchaseBody(items: readonly LineItem[]): string {
  return [...items]
    .sort((a, b) => a.itemId - b.itemId)
    .map((item) => `${item.itemId}x${item.quantity}`)
    .join(',');
}

/** One keyed request: the key, what it is scoped to, and the body it names. */
export interface KeyedRequest {
  readonly idempotencyKey: string;
  /** The id of the API key that authenticated the request; undefined when authentication is off. */
  readonly apiKeyId: string | undefined;
  readonly path: PurchasePath;
  readonly items: readonly LineItem[];
}

// The hashes below take bytes: uuid parses a string namespace (twice) and encodes a string name through
// encodeURIComponent on every call, a measurable share of the purchase path's CPU.
const NAMESPACE_BYTES = uuidParse(PURCHASE_ID_NAMESPACE);

function keyHashBytes(request: Omit<KeyedRequest, 'items'>): Uint8Array {
  // '\n' cannot occur in any part (keys are printable ASCII, key ids hex), so distinct scopes never collide.
  const scope = `${request.apiKeyId ?? ''}\n${request.idempotencyKey}\n${canonicalPurchasePath(request.path)}`;
  return uuidv5(Buffer.from(scope, 'utf8'), NAMESPACE_BYTES, new Uint8Array(16));
}

function purchaseIdIn(keyHash: Uint8Array, items: readonly LineItem[]): string {
  return uuidv5(Buffer.from(canonicalPurchaseBody(items), 'utf8'), keyHash);
}

/**
 * The idempotency key hash: a UUIDv5 of the key in its scope (API key id and canonical path). Two
 * requests with the same hash must be the same request.
 */
export function idempotencyKeyHash(request: Omit<KeyedRequest, 'items'>): string {
  return uuidStringify(keyHashBytes(request));
}

/** The id of a keyed purchase: a UUIDv5 of its canonical body in the namespace of its key hash. */
export function derivePurchaseId(request: KeyedRequest): string {
  return purchaseIdIn(keyHashBytes(request), request.items);
}

export interface PurchaseIdentity {
  readonly purchaseId: string;
  /** Present for keyed requests only. */
  readonly idempotencyKeyHash?: string;
}

export interface PurchaseIdRequest {
  readonly idempotencyKey: string | undefined;
  readonly apiKeyId: string | undefined;
  readonly path: PurchasePath;
  readonly items: readonly LineItem[];
}

/** Generates purchase ids; main.ts passes the real one, tests a deterministic one. */
export type PurchaseIdGenerator = (request: PurchaseIdRequest) => PurchaseIdentity;

/** Derived ids for keyed requests, `random()` (UUIDv7 by default) for the rest. */
export function purchaseIdGenerator(random: () => string = uuidv7): PurchaseIdGenerator {
  return (request) => {
    const { idempotencyKey } = request;
    if (idempotencyKey === undefined) return { purchaseId: random() };
    const hash = keyHashBytes({ ...request, idempotencyKey });
    return { purchaseId: purchaseIdIn(hash, request.items), idempotencyKeyHash: uuidStringify(hash) };
  };
}

import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import type { PurchasePath } from './purchase-request.js';

/**
 * Purchase ids. With an `Idempotency-Key` the id is a UUIDv5 of the key and the purchase's path, so a
 * client that retries gets the same id and the consumer stores the purchase once (it dedups on the
 * id). Without one the id is a UUIDv7: random, and time-ordered so the purchases table's primary key
 * index stays append-mostly.
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

/** The id of a purchase sent with `idempotencyKey` to `path`: the same inputs give the same id. */
export function derivePurchaseId(idempotencyKey: string, path: PurchasePath): string {
  // '\n' cannot occur in either part (the key is printable ASCII), so distinct pairs never collide.
  return uuidv5(`${idempotencyKey}\n${canonicalPurchasePath(path)}`, PURCHASE_ID_NAMESPACE);
}

/** Generates purchase ids; main.ts passes the real one, tests a deterministic one. */
export type PurchaseIdGenerator = (idempotencyKey: string | undefined, path: PurchasePath) => string;

/** Derived ids for keyed requests, `random()` (UUIDv7 by default) for the rest. */
export function purchaseIdGenerator(random: () => string = uuidv7): PurchaseIdGenerator {
  return (idempotencyKey, path) =>
    idempotencyKey === undefined ? random() : derivePurchaseId(idempotencyKey, path);
}

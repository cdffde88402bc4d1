/**
 * The purchaseIds the purchase service gives the load runner's purchases. A purchase sent with an
 * Idempotency-Key gets the UUIDv5 of its canonical body (items summed per item id, in item id order)
 * in the namespace of its idempotency key hash, the UUIDv5 of "<API key id>\n<key>\n<canonical
 * path>" (services/purchase/src/domain/purchase-id.ts; a test checks both agree), so the client knows every
 * acknowledged purchase's id without reading any response body.
 */
import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import {
  idempotencyKey,
  purchaseOf,
  purchasePath,
  type PurchaseItem,
  type WorkloadProfile,
} from '@tillstream/loadtest/workload';

/** Must equal PURCHASE_ID_NAMESPACE in services/purchase/src/domain/purchase-id.ts. */
export const PURCHASE_ID_NAMESPACE = '3b8e3c52-6f0e-4d37-9a43-0f7c2f0d5a11';

/** The key id the purchase service gives an API key (auth.ts `keyIdOf`): 12 hex digits of its SHA-256. */
export function apiKeyIdOf(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex').slice(0, 12);
}

/** `apiKeyId`: the key id (auth.ts `keyIdOf`) of the API key the client sends, if any. */
export function expectedPurchaseId(
  key: string,
  canonicalPath: string,
  items: readonly PurchaseItem[],
  apiKeyId = '',
): string {
  const totals = new Map<number, number>();
  for (const item of items) totals.set(item.itemId, (totals.get(item.itemId) ?? 0) + item.quantity);
  const body = [...totals]
    .sort(([a], [b]) => a - b)
    .map(([itemId, quantity]) => `${itemId}x${quantity}`)
    .join(',');
  return uuidv5(body, uuidv5(`${apiKeyId}\n${key}\n${canonicalPath}`, PURCHASE_ID_NAMESPACE));
}

/** The ids of the first `count` purchases of client `index` in a run. */
export function purchaseIdsOfClient(
  profile: WorkloadProfile,
  runId: string,
  storeId: number,
  index: number,
  count: number,
  apiKeyId = '',
): string[] {
  const ids: string[] = [];
  for (let sequence = 0; sequence < count; sequence++) {
    const purchase = purchaseOf(profile, index, sequence);
    ids.push(
      expectedPurchaseId(
        idempotencyKey(runId, storeId, sequence),
        purchasePath(purchase),
        purchase.items,
        apiKeyId,
      ),
    );
  }
  return ids;
}

export interface IdCheck {
  readonly ok: boolean;
  readonly acknowledged: number;
  /** Acknowledged ids found on no shard. */
  readonly lost: number;
  /** Ids found more than once (on two shards; one shard cannot hold an id twice: primary key). */
  readonly duplicated: number;
  /** Acknowledged ids found on a shard other than the one the shard map names. */
  readonly misplaced: number;
  /** Ids on the shards that no acknowledged purchase has (a purchase that failed after retries but was stored). */
  readonly unacknowledged: number;
  readonly examples: readonly string[];
}

/**
 * Compares the acknowledged ids (with the shard that must hold each) with the ids found on each shard.
 * Pure: `found[shard]` is every purchase_id of the run's stores on that shard.
 */
export function checkPurchaseIds(
  expected: ReadonlyMap<string, number>,
  found: readonly (readonly string[])[],
): IdCheck {
  const seen = new Map<string, number[]>();
  found.forEach((ids, shard) => {
    for (const id of ids) seen.set(id, [...(seen.get(id) ?? []), shard]);
  });
  const examples: string[] = [];
  const note = (line: string) => {
    if (examples.length < 10) examples.push(line);
  };
  let lost = 0;
  let duplicated = 0;
  let misplaced = 0;
  let unacknowledged = 0;
  for (const [id, owner] of expected) {
    const shards = seen.get(id);
    if (!shards) {
      lost += 1;
      note(`${id}: acknowledged, on no shard`);
    } else if (!shards.includes(owner)) {
      misplaced += 1;
      note(`${id}: on shard(s) ${shards.join(',')}, owner ${owner}`);
    }
  }
  for (const [id, shards] of seen) {
    if (shards.length > 1) {
      duplicated += 1;
      note(`${id}: on shards ${shards.join(',')}`);
    }
    if (!expected.has(id)) {
      unacknowledged += 1;
      note(`${id}: stored but never acknowledged`);
    }
  }
  return {
    ok: lost === 0 && duplicated === 0 && misplaced === 0,
    acknowledged: expected.size,
    lost,
    duplicated,
    misplaced,
    unacknowledged,
    examples,
  };
}

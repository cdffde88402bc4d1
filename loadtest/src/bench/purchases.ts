/**
 * Random purchases for the component benchmarks, drawn from ranges (unlike the load runner's
 * per-store sequences in ../workload.ts, whose path and body format they share): the purchase
 * benchmark's request bodies, the store benchmark's purchase writers and the consumer benchmark's
 * events all come from `randomPurchase`.
 */
import { prng, purchaseBody, purchasePath, type Purchase, type PurchaseItem } from '../workload.js';
import type { BenchRequest } from './http-load.js';

export interface PurchaseRanges {
  /** Store ids are drawn from 1 … stores. */
  readonly stores: number;
  /** Customer ids are drawn from 1 … customers. */
  readonly customers: number;
  /** Item ids are drawn from 1 … maxItemId. */
  readonly maxItemId: number;
  /** 1 … maxItems distinct items per purchase. */
  readonly maxItems: number;
  /** Each item's quantity is drawn from 1 … maxQuantity. */
  readonly maxQuantity: number;
  /** yyyyMMdd. */
  readonly date: string;
}

/** One purchase drawn from `ranges` with `random` (floats in [0, 1)). */
export function randomPurchase(random: () => number, ranges: PurchaseRanges): Purchase {
  const int = (max: number) => 1 + Math.floor(random() * max);
  const count = Math.min(int(ranges.maxItems), ranges.maxItemId);
  const items = new Map<number, number>();
  while (items.size < count) items.set(int(ranges.maxItemId), int(ranges.maxQuantity));
  return {
    storeId: int(ranges.stores),
    customerId: int(ranges.customers),
    date: ranges.date,
    items: [...items].map(([itemId, quantity]): PurchaseItem => ({ itemId, quantity })),
  };
}

/** The API request that sends `purchase`, as the course's clients send it. */
export function purchaseRequest(purchase: Purchase): BenchRequest {
  return {
    name: 'POST /purchase',
    method: 'POST',
    path: purchasePath(purchase),
    body: purchaseBody(purchase),
  };
}

/**
 * `count` CS6650-style purchase requests from a fixed seed, sent round-robin: the same bodies for the
 * purchase service and the bare route in the purchase bench, and for the calibrator.
 */
export function seededPurchaseRequests(count: number, seed = 42): BenchRequest[] {
  const random = prng(seed);
  const ranges: PurchaseRanges = {
    stores: 1000,
    customers: 1_000_000,
    maxItemId: 100_000,
    maxItems: 5,
    maxQuantity: 10,
    date: '20210101',
  };
  return Array.from({ length: count }, () => purchaseRequest(randomPurchase(random, ranges)));
}

/**
 * An endless stream of the seeded purchase requests, each with an Idempotency-Key of its own as the
 * load runner sends them (so the purchase service derives each id from its key, as under the real
 * workload): the requests the purchase bench and the calibrator send.
 */
export function keyedPurchaseRequests(runId: string, count = 2_000): () => BenchRequest {
  const requests = seededPurchaseRequests(count);
  let sequence = 0;
  return () => {
    const request = requests[sequence % requests.length]!;
    return { ...request, headers: { 'idempotency-key': `${runId}-${sequence++}` } };
  };
}

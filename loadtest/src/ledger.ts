/**
 * The ledger of acknowledged purchases (store → item → quantity): what the system promised to have
 * stored, computed by the client. After the run drains, the Store API and the shards must agree with
 * it exactly.
 */

export interface ItemQuantity {
  readonly itemId: number;
  readonly quantity: number;
}

/** Dense counters (one Uint32Array per store, indexed by item id) up to this many item ids. */
const DENSE_LIMIT = 2_000_000;

interface StoreEntry {
  purchases: number;
  total: number;
  /** Dense counters when maxItemId is small (no GC cost, O(1) add), else a Map. */
  counts: Uint32Array | Map<number, number>;
}

export class Ledger {
  readonly #maxItemId: number;
  readonly #stores = new Map<number, StoreEntry>();

  constructor(maxItemId: number) {
    this.#maxItemId = maxItemId;
  }

  /** Records one acknowledged purchase (repeated item ids are summed, as the API does). */
  add(storeId: number, items: readonly ItemQuantity[]): void {
    let entry = this.#stores.get(storeId);
    if (!entry) {
      const counts = this.#maxItemId <= DENSE_LIMIT ? new Uint32Array(this.#maxItemId + 1) : new Map();
      entry = { purchases: 0, total: 0, counts };
      this.#stores.set(storeId, entry);
    }
    entry.purchases += 1;
    for (const item of items) {
      entry.total += item.quantity;
      if (entry.counts instanceof Uint32Array) entry.counts[item.itemId]! += item.quantity;
      else entry.counts.set(item.itemId, (entry.counts.get(item.itemId) ?? 0) + item.quantity);
    }
  }

  /** Store ids with at least one acknowledged purchase, ascending. */
  stores(): number[] {
    return [...this.#stores.keys()].sort((a, b) => a - b);
  }

  purchases(storeId: number): number {
    return this.#stores.get(storeId)?.purchases ?? 0;
  }

  totalPurchases(): number {
    let sum = 0;
    for (const entry of this.#stores.values()) sum += entry.purchases;
    return sum;
  }

  /** Sum of quantities over all items of the store. */
  total(storeId: number): number {
    return this.#stores.get(storeId)?.total ?? 0;
  }

  quantity(storeId: number, itemId: number): number {
    const counts = this.#stores.get(storeId)?.counts;
    if (!counts) return 0;
    return counts instanceof Uint32Array ? (counts[itemId] ?? 0) : (counts.get(itemId) ?? 0);
  }

  /** Every item of the store with a non-zero quantity, ascending by item id. */
  items(storeId: number): ItemQuantity[] {
    const counts = this.#stores.get(storeId)?.counts;
    const out: ItemQuantity[] = [];
    if (!counts) return out;
    if (counts instanceof Uint32Array) {
      for (let itemId = 0; itemId < counts.length; itemId++) {
        const quantity = counts[itemId]!;
        if (quantity > 0) out.push({ itemId, quantity });
      }
    } else {
      for (const [itemId, quantity] of counts) out.push({ itemId, quantity });
      out.sort((a, b) => a.itemId - b.itemId);
    }
    return out;
  }

  /** The store's top `n` items in the Store API's documented order. */
  topItems(storeId: number, n = 10): ItemQuantity[] {
    return topN(this.items(storeId), n);
  }
}

/** The Store API's order: quantity descending, ties by item id ascending; the first `n`. */
export function topN(items: readonly ItemQuantity[], n: number): ItemQuantity[] {
  return [...items].sort((a, b) => b.quantity - a.quantity || a.itemId - b.itemId).slice(0, n);
}

/** Differences between two item lists as readable lines (empty when equal, order included). */
export function diffItemLists(expected: readonly ItemQuantity[], actual: readonly ItemQuantity[]): string[] {
  const problems: string[] = [];
  const length = Math.max(expected.length, actual.length);
  for (let i = 0; i < length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e?.itemId !== a?.itemId || e?.quantity !== a?.quantity) {
      problems.push(
        `#${i + 1}: expected ${e ? `${e.itemId}×${e.quantity}` : 'nothing'}, got ${a ? `${a.itemId}×${a.quantity}` : 'nothing'}`,
      );
    }
  }
  return problems;
}

import type { ShardRepository } from '../../src/types.js';
import { compareItemCounts, compareStoreCounts, TOP_N } from '../../src/domain/top-lists.js';

/** One shard's store_item_totals in memory, answering like the SQL does, counting its queries. */
export class MemoryShard implements ShardRepository {
  readonly totals = new Map<string, { storeId: number; itemId: number; quantity: number }>();
  calls = { topItems: 0, topStores: 0, ping: 0 };
  /** When set, every query waits for it (to hold queries in flight) or fails with it. */
  gate: Promise<void> | undefined;
  failure: Error | undefined;

  add(storeId: number, itemId: number, quantity: number): this {
    const key = `${storeId}:${itemId}`;
    const row = this.totals.get(key) ?? { storeId, itemId, quantity: 0 };
    row.quantity += quantity;
    this.totals.set(key, row);
    return this;
  }

  async topItems(storeId: number) {
    this.calls.topItems++;
    await this.wait();
    return [...this.totals.values()]
      .filter((r) => r.storeId === storeId)
      .map((r) => ({ itemID: r.itemId, numberOfItems: r.quantity }))
      .sort(compareItemCounts)
      .slice(0, TOP_N);
  }

  async topStores(itemId: number) {
    this.calls.topStores++;
    await this.wait();
    return [...this.totals.values()]
      .filter((r) => r.itemId === itemId)
      .map((r) => ({ storeID: r.storeId, numberOfItems: r.quantity }))
      .sort(compareStoreCounts)
      .slice(0, TOP_N);
  }

  async ping() {
    this.calls.ping++;
    await this.wait();
  }

  private async wait() {
    if (this.gate) await this.gate;
    if (this.failure) throw this.failure;
  }
}

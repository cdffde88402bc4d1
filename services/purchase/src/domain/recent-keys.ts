/**
 * The idempotency keys this worker saw recently, each with the purchase id its request derived: a
 * bounded map (least recently used entries go first) that lets the service refuse a reused key whose
 * request differs, at once, instead of leaving it to the shard. Only a hint: another worker or replica,
 * or an evicted entry, does not know the key; the shard then records the conflict (the purchase, having
 * its own id, is counted either way).
 */

export type KeyUse = 'new' | 'repeat' | 'conflict';

export class RecentIdempotencyKeys {
  // Map iteration order is insertion order: re-inserting on use keeps the oldest entry first.
  private readonly entries = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Records that `keyHash` named the request with `purchaseId`, unless it already names another one:
   * then it is a conflict and the entry is left as it was (the first request keeps the key).
   */
  use(keyHash: string, purchaseId: string): KeyUse {
    const known = this.entries.get(keyHash);
    if (known !== undefined && known !== purchaseId) return 'conflict';
    this.entries.delete(keyHash);
    this.entries.set(keyHash, purchaseId);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return known === undefined ? 'new' : 'repeat';
  }
}

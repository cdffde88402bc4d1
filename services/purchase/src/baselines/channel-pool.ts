/**
 * A borrow/return pool of at most `max` resources (the rabbitmq baseline's confirm channels), created
 * on demand. A borrower waits while all are lent; a resource returned as broken is discarded, so the
 * next borrow creates a fresh one. Pure: creation is injected.
 */
export class ResourcePool<T> {
  private readonly idle: T[] = [];
  private readonly waiters: { resolve(resource: T): void; reject(error: unknown): void }[] = [];
  private size = 0;
  private closed = false;

  constructor(
    private readonly max: number,
    private readonly create: () => Promise<T>,
  ) {}

  /** Resources created and not discarded (idle or lent). */
  get created(): number {
    return this.size;
  }

  async borrow(): Promise<T> {
    if (this.closed) throw new Error('the pool is closed');
    const idle = this.idle.pop();
    if (idle !== undefined) return idle;
    if (this.size < this.max) {
      this.size++;
      try {
        return await this.create();
      } catch (error) {
        this.size--;
        throw error;
      }
    }
    return new Promise<T>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Gives a resource back; `broken` ones are dropped and a waiter gets a fresh one. */
  release(resource: T, broken = false): void {
    if (broken || this.closed) {
      // Never below 0: after reset() a lent resource may still come back.
      this.size = Math.max(0, this.size - 1);
      const waiter = this.waiters.shift();
      if (waiter) this.borrow().then(waiter.resolve, waiter.reject);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(resource);
    else this.idle.push(resource);
  }

  /** Refuses further borrows, rejects waiters, and hands back the idle resources for closing. */
  drain(): T[] {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('the pool is closed'));
    this.size -= this.idle.length;
    return this.idle.splice(0);
  }

  /** Forgets every resource (after the connection that owned them was lost). */
  reset(): void {
    this.idle.length = 0;
    this.size = 0;
  }
}

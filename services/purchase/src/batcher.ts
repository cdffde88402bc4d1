/**
 * A micro-batcher (group commit): concurrent submissions are coalesced into batches that are sent with
 * one call each; every submission settles with its batch. A batch is sealed when it reaches
 * `maxMessages` or `maxBytes`, or when its first item has waited `lingerMs` and a send slot is free —
 * while all `concurrency` slots are busy the open batch keeps filling, so batches grow with load.
 *
 * Bounded: at most `maxInFlight` items are held (further submissions are refused at once), and every
 * submission settles within `timeoutMs` of its batch opening, whatever the send does.
 */

export interface BatcherOptions<T> {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly lingerMs: number;
  readonly concurrency: number;
  readonly maxInFlight: number;
  readonly timeoutMs: number;
  /** Sends one batch; resolves when all of it is stored. */
  readonly send: (items: readonly T[]) => Promise<void>;
  readonly sizeOf: (item: T) => number;
  /** Called after every send settles (for metrics). */
  readonly onBatchSettled?: (outcome: { size: number; seconds: number; error?: unknown }) => void;
  /** Called whenever the number of held items changes (for metrics). */
  readonly onInFlightChange?: (inFlight: number) => void;
}

/** Refused because `maxInFlight` items are already held. */
export class InFlightLimitError extends Error {
  constructor(limit: number) {
    super(`${limit} purchases are already waiting for Kafka`);
    this.name = 'InFlightLimitError';
  }
}

/** The batch was not acknowledged within `timeoutMs`; its items may still be stored later. */
export class BatchTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`not acknowledged within ${timeoutMs} ms`);
    this.name = 'BatchTimeoutError';
  }
}

/** Refused because the batcher is closing. */
export class BatcherClosedError extends Error {
  constructor() {
    super('the batcher is closed');
    this.name = 'BatcherClosedError';
  }
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface Batch<T> {
  readonly items: T[];
  readonly waiters: Waiter[];
  bytes: number;
  state: 'open' | 'sealed' | 'sending' | 'done';
  lingerExpired: boolean;
  lingerTimer?: NodeJS.Timeout;
  deadlineTimer?: NodeJS.Timeout;
}

export class MicroBatcher<T> {
  private open: Batch<T> | undefined;
  private readonly sealed: Batch<T>[] = [];
  private sending = 0;
  private held = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: BatcherOptions<T>) {}

  /** Items submitted and not yet settled by their send (timed-out ones included until then). */
  get inFlight(): number {
    return this.held;
  }

  submit(item: T): Promise<void> {
    if (this.closed) return Promise.reject(new BatcherClosedError());
    if (this.held >= this.options.maxInFlight) {
      return Promise.reject(new InFlightLimitError(this.options.maxInFlight));
    }
    const size = this.options.sizeOf(item);
    if (this.open && this.open.items.length > 0 && this.open.bytes + size > this.options.maxBytes) {
      this.seal(this.open);
    }
    const batch = this.open ?? this.openBatch();
    this.setHeld(this.held + 1);
    const settled = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    batch.items.push(item);
    batch.bytes += size;
    if (batch.items.length >= this.options.maxMessages || batch.bytes >= this.options.maxBytes) {
      this.seal(batch);
    }
    return settled;
  }

  /** Refuses new items, sends everything held, and resolves when every send has settled. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.open) this.seal(this.open);
    if (this.sending === 0 && this.sealed.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private openBatch(): Batch<T> {
    const batch: Batch<T> = { items: [], waiters: [], bytes: 0, state: 'open', lingerExpired: false };
    batch.lingerTimer = setTimeout(() => this.onLinger(batch), this.options.lingerMs);
    batch.deadlineTimer = setTimeout(() => this.onDeadline(batch), this.options.timeoutMs);
    this.open = batch;
    return batch;
  }

  private onLinger(batch: Batch<T>): void {
    batch.lingerExpired = true;
    if (batch.state === 'open' && this.sending < this.options.concurrency) this.seal(batch);
  }

  private seal(batch: Batch<T>): void {
    clearTimeout(batch.lingerTimer);
    batch.state = 'sealed';
    if (this.open === batch) this.open = undefined;
    this.sealed.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.sending < this.options.concurrency) {
      const next = this.sealed.shift();
      if (next) {
        this.dispatch(next);
        continue;
      }
      // A slot is free: an open batch whose linger already expired goes now.
      if (this.open?.lingerExpired) this.seal(this.open);
      return;
    }
  }

  private dispatch(batch: Batch<T>): void {
    batch.state = 'sending';
    this.sending++;
    const started = performance.now();
    const finish = (error?: unknown) => {
      this.sending--;
      clearTimeout(batch.deadlineTimer);
      const wasTimedOut = batch.state === 'done';
      batch.state = 'done';
      this.setHeld(this.held - batch.items.length);
      this.options.onBatchSettled?.({
        size: batch.items.length,
        seconds: (performance.now() - started) / 1000,
        ...(error === undefined ? {} : { error }),
      });
      if (!wasTimedOut) {
        for (const waiter of batch.waiters) {
          if (error === undefined) waiter.resolve();
          else waiter.reject(error);
        }
      }
      this.pump();
      this.notifyIdle();
    };
    let sent: Promise<void>;
    try {
      sent = this.options.send(batch.items);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(() => finish(), finish);
  }

  private onDeadline(batch: Batch<T>): void {
    const error = new BatchTimeoutError(this.options.timeoutMs);
    if (batch.state === 'open' || batch.state === 'sealed') {
      // Never sent: drop it, so nothing is stored that its clients were told failed.
      clearTimeout(batch.lingerTimer);
      if (this.open === batch) this.open = undefined;
      const index = this.sealed.indexOf(batch);
      if (index >= 0) this.sealed.splice(index, 1);
      this.setHeld(this.held - batch.items.length);
      this.notifyIdle();
    }
    // A batch being sent stays held until its send settles, so memory stays bounded.
    batch.state = 'done';
    for (const waiter of batch.waiters) waiter.reject(error);
  }

  private setHeld(held: number): void {
    this.held = held;
    this.options.onInFlightChange?.(held);
  }

  private notifyIdle(): void {
    if (this.sending > 0 || this.sealed.length > 0 || this.open) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * A micro-batcher (group commit): concurrent submissions are coalesced into batches that are sent with
 * one call each. A batch is sealed when it reaches `maxMessages` or `maxBytes`, or when its first item
 * has waited `lingerMs` and a send slot is free — while all `concurrency` slots are busy the open batch
 * keeps filling, so batches grow with load.
 *
 * Each submission settles with its own outcome: a send may report parts of its batch as stored or
 * failed as soon as it knows (one broker acknowledged, another did not), so one failing part does not
 * fail the rest.
 *
 * Bounded: at most `maxInFlight` items and `maxInFlightBytes` bytes are held (further submissions are
 * refused at once), and every submission settles within `timeoutMs` of its batch opening, whatever the
 * send does. Time comes from `clock`, so tests need not wait for real.
 */

/** Reports the outcome of some items of the batch being sent (indexes into it); no error = stored. */
export type ReportOutcome = (indexes: readonly number[], error?: unknown) => void;

/** Timers and a monotonic clock in milliseconds (the composition root passes the real ones). */
export interface BatcherClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface BatcherOptions<T> {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly lingerMs: number;
  readonly concurrency: number;
  readonly maxInFlight: number;
  /** Bytes (by `sizeOf`) held at most; a submission that would pass it is refused unless nothing is held. */
  readonly maxInFlightBytes?: number;
  readonly timeoutMs: number;
  /**
   * Sends one batch. It may `report` the outcome of parts of the batch as soon as they are known; when
   * it resolves, items not reported are stored; when it rejects, they failed with its error.
   */
  readonly send: (items: readonly T[], report: ReportOutcome) => Promise<void>;
  readonly sizeOf: (item: T) => number;
  /** Called after every send settles (for metrics). */
  readonly onBatchSettled?: (outcome: {
    size: number;
    stored: number;
    seconds: number;
    error?: unknown;
  }) => void;
  /** Called whenever the number (and bytes) of held items changes (for metrics). */
  readonly onInFlightChange?: (inFlight: number, bytes: number) => void;
  readonly clock: BatcherClock;
}

/** Refused because `maxInFlight` items (or `maxInFlightBytes` bytes) are already held. */
export class InFlightLimitError extends Error {
  constructor(what: string) {
    super(`${what} are already waiting for Kafka`);
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
  settled: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

interface Batch<T> {
  readonly items: T[];
  readonly waiters: Waiter[];
  bytes: number;
  state: 'open' | 'sealed' | 'sending' | 'done';
  lingerExpired: boolean;
  lingerTimer?: unknown;
  deadlineTimer?: unknown;
}

export class MicroBatcher<T> {
  private open: Batch<T> | undefined;
  private readonly sealed: Batch<T>[] = [];
  private sending = 0;
  private held = 0;
  private heldBytes = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly clock: BatcherClock;

  constructor(private readonly options: BatcherOptions<T>) {
    this.clock = options.clock;
  }

  /** Items submitted and not yet settled by their send (timed-out ones included until then). */
  get inFlight(): number {
    return this.held;
  }

  /** Bytes (by `sizeOf`) of the items counted by `inFlight`. */
  get inFlightBytes(): number {
    return this.heldBytes;
  }

  /** True while a submission would be refused for the in-flight bounds, whatever its size. */
  get atCapacity(): boolean {
    return (
      this.held >= this.options.maxInFlight ||
      (this.held > 0 && this.heldBytes >= (this.options.maxInFlightBytes ?? Infinity))
    );
  }

  submit(item: T): Promise<void> {
    if (this.closed) return Promise.reject(new BatcherClosedError());
    if (this.held >= this.options.maxInFlight) {
      return Promise.reject(new InFlightLimitError(`${this.options.maxInFlight} purchases`));
    }
    const size = this.options.sizeOf(item);
    const maxBytes = this.options.maxInFlightBytes ?? Infinity;
    if (this.held > 0 && this.heldBytes + size > maxBytes) {
      return Promise.reject(new InFlightLimitError(`${maxBytes} bytes of purchases`));
    }
    if (this.open && this.open.items.length > 0 && this.open.bytes + size > this.options.maxBytes) {
      this.seal(this.open);
    }
    const batch = this.open ?? this.openBatch();
    this.setHeld(this.held + 1, this.heldBytes + size);
    const settled = new Promise<void>((resolve, reject) =>
      batch.waiters.push({ settled: false, resolve, reject }),
    );
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
    batch.lingerTimer = this.clock.setTimeout(() => this.onLinger(batch), this.options.lingerMs);
    batch.deadlineTimer = this.clock.setTimeout(() => this.onDeadline(batch), this.options.timeoutMs);
    this.open = batch;
    return batch;
  }

  private onLinger(batch: Batch<T>): void {
    batch.lingerExpired = true;
    if (batch.state === 'open' && this.sending < this.options.concurrency) this.seal(batch);
  }

  private seal(batch: Batch<T>): void {
    this.clock.clearTimeout(batch.lingerTimer);
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
    const started = this.clock.now();
    let stored = 0;
    const known: boolean[] = [];
    // Every item's outcome is counted once (for metrics), and answered unless its deadline passed.
    const settle = (index: number, error: unknown) => {
      const waiter = batch.waiters[index];
      if (!waiter || known[index]) return;
      known[index] = true;
      if (error === undefined) stored++;
      if (waiter.settled) return;
      waiter.settled = true;
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    };
    const report: ReportOutcome = (indexes, error) => {
      if (batch.state !== 'sending') return;
      for (const index of indexes) settle(index, error);
    };
    const finish = (error?: unknown) => {
      for (let index = 0; index < batch.waiters.length; index++) settle(index, error);
      this.sending--;
      this.clock.clearTimeout(batch.deadlineTimer);
      batch.state = 'done';
      this.setHeld(this.held - batch.items.length, this.heldBytes - batch.bytes);
      this.options.onBatchSettled?.({
        size: batch.items.length,
        stored,
        seconds: (this.clock.now() - started) / 1000,
        ...(error === undefined ? {} : { error }),
      });
      this.pump();
      this.notifyIdle();
    };
    let sent: Promise<void>;
    try {
      sent = this.options.send(batch.items, report);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(() => finish(), finish);
  }

  private onDeadline(batch: Batch<T>): void {
    const error = new BatchTimeoutError(this.options.timeoutMs);
    if (batch.state === 'open' || batch.state === 'sealed') {
      // Never sent: drop it, so nothing is stored that its clients were told failed.
      this.clock.clearTimeout(batch.lingerTimer);
      if (this.open === batch) this.open = undefined;
      const index = this.sealed.indexOf(batch);
      if (index >= 0) this.sealed.splice(index, 1);
      this.setHeld(this.held - batch.items.length, this.heldBytes - batch.bytes);
      batch.state = 'done';
      this.notifyIdle();
    }
    // A batch being sent stays held until its send settles, so memory stays bounded; its items not
    // reported yet are answered now.
    for (const waiter of batch.waiters) {
      if (waiter.settled) continue;
      waiter.settled = true;
      waiter.reject(error);
    }
  }

  private setHeld(held: number, bytes: number): void {
    this.held = held;
    this.heldBytes = bytes;
    this.options.onInFlightChange?.(held, bytes);
  }

  private notifyIdle(): void {
    if (this.sending > 0 || this.sealed.length > 0 || this.open) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

import type { BatcherClock } from '../../src/domain/batcher.js';

/** A clock that moves only when the test says: timers fire in `advance`, in due order. */
export class ManualClock implements BatcherClock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, firing every timer that falls due, then lets promise callbacks run. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.timers.delete(id);
      this.time = timer.at;
      timer.callback();
      await settled();
    }
    this.time = until;
    await settled();
  }
}

/** Lets every pending promise callback run (one turn of the event loop; no wall-clock wait). */
export function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

import { backoffDelayMs, type BackoffPolicy } from './backoff.js';

export interface RetrySchedulerDeps {
  readonly policy: BackoffPolicy;
  readonly random: () => number;
  readonly setTimer: (callback: () => void, ms: number) => unknown;
  readonly clearTimer: (timer: unknown) => void;
  /** Called with the number of partitions currently waiting, whenever it changes. */
  readonly onPausedChange: (paused: number) => void;
}

/**
 * Tracks partitions paused after a transient failure: each waits its backoff delay, then is resumed
 * and its batch fetched again from the last resolved offset. Retrying in place inside the batch
 * handler would block the fetch loop — and with it every other partition of the broker (kafkajs
 * waits for all batches of a fetch before fetching again).
 */
export function createRetryScheduler(deps: RetrySchedulerDeps) {
  const attempts = new Map<number, number>();
  const timers = new Map<number, unknown>();
  const report = () => deps.onPausedChange(timers.size);

  return {
    /** Schedules `resume` after the partition's next backoff delay; returns the delay. */
    schedule(partition: number, resume: () => void): number {
      const attempt = (attempts.get(partition) ?? 0) + 1;
      attempts.set(partition, attempt);
      const delay = backoffDelayMs(attempt, deps.policy, deps.random);
      const previous = timers.get(partition);
      if (previous !== undefined) deps.clearTimer(previous);
      timers.set(
        partition,
        deps.setTimer(() => {
          timers.delete(partition);
          report();
          resume();
        }, delay),
      );
      report();
      return delay;
    },
    /** The partition applied a batch: its next failure starts from the initial delay again. */
    succeeded(partition: number): void {
      attempts.delete(partition);
    },
    attempt(partition: number): number {
      return attempts.get(partition) ?? 0;
    },
    /** Forgets partitions no longer assigned (their timers resume nothing this member owns). */
    retain(assigned: ReadonlySet<number>): void {
      for (const partition of [...attempts.keys()]) if (!assigned.has(partition)) attempts.delete(partition);
    },
    /** Stops every pending retry (shutdown). */
    cancelAll(): void {
      for (const timer of timers.values()) deps.clearTimer(timer);
      timers.clear();
      report();
    },
    paused(): number {
      return timers.size;
    },
  };
}

export type RetryScheduler = ReturnType<typeof createRetryScheduler>;

import type { Schedule } from '../../src/domain/schedule.js';

/** Time that only moves when the test says so: `now`, `schedule` and `advance(ms)`. */
export function manualClock(start = 0) {
  let time = start;
  let timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const schedule: Schedule = (ms, fn) => {
    const timer = { at: time + ms, fn, cancelled: false };
    timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };
  return {
    now: () => time,
    schedule,
    /** Moves time forward, firing due timers in order, letting promise callbacks run in between. */
    async advance(ms: number) {
      const until = time + ms;
      for (;;) {
        const due = timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        time = due.at;
        due.cancelled = true;
        due.fn();
        await flush();
      }
      time = until;
      timers = timers.filter((t) => !t.cancelled);
      await flush();
    },
    pending: () => timers.filter((t) => !t.cancelled).length,
  };
}

/** Lets queued promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A promise the test resolves or rejects by hand. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

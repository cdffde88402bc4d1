import type { Schedule } from './schedule.js';

/** A shard did not answer in time. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/** `work`'s result, or a DeadlineExceeded rejection after `ms`. `work` itself is not stopped. */
export function withDeadline<T>(work: Promise<T>, ms: number, schedule: Schedule): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancel = schedule(ms, () => reject(new DeadlineExceeded(ms)));
    work.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}

/** The shim's `k6` module: sleep and check. */
import { runtime } from './runtime.js';

export function sleep(seconds: number): void {
  runtime().sleepMs(seconds * 1000);
}

/** Each check adds one sample to the `checks` rate; true when every check passed. */
export function check<T>(value: T, checks: Record<string, ((value: T) => unknown) | unknown>): boolean {
  let all = true;
  for (const predicate of Object.values(checks)) {
    const ok = Boolean(typeof predicate === 'function' ? predicate(value) : predicate);
    runtime().sample('checks', ok ? 1 : 0);
    all &&= ok;
  }
  return all;
}

export default { sleep, check };

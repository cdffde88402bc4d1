/** Runs `fn` after `ms` and returns a function that cancels it. Injected so tests control time. */
export type Schedule = (ms: number, fn: () => void) => () => void;

/** The real timers. */
export const realSchedule: Schedule = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

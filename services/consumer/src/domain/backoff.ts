export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): exponential with "equal jitter" — half fixed, half
 * random — so a shard that comes back is not hit by every paused partition in the same millisecond,
 * yet the delay never collapses to zero. `random` returns [0, 1).
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}

/**
 * Time to recover full throughput after a fault, from the per-second acknowledgements: "full" is the
 * median of the `baselineS` seconds before the fault, and the throughput has recovered at the first
 * second after the fault ended from which a `windowS`-second mean stays at or above `fraction` of it.
 */

export interface RecoveryOptions {
  readonly baselineS: number;
  readonly windowS: number;
  readonly fraction: number;
}

export const DEFAULT_RECOVERY: RecoveryOptions = Object.freeze({ baselineS: 20, windowS: 3, fraction: 0.8 });

export interface Recovery {
  /** Median acknowledgements/s before the fault. */
  readonly baselinePerSecond: number;
  /** Lowest acknowledgements/s from the fault's start until it recovered. */
  readonly minPerSecond: number;
  /** Seconds from the fault's end (its start for a kill) until throughput was back; null: not within the run. */
  readonly recoveryS: number | null;
  /**
   * Seconds from the fault's start until it recovered in which throughput was below the threshold:
   * what users felt. For an outage that the system routes around (a cut node, a stopped shard) this is
   * the failover time, while `recoveryS`, counted from the fault's end, can be 0.
   */
  readonly degradedS: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * `perSecond[i]` is the count in second i of the run. `startS`/`endS`: the fault's start and end in
 * seconds since the load started. The last second of the run is partial and never counts as recovered.
 */
export function recoveryTime(
  perSecond: readonly number[],
  startS: number,
  endS: number,
  options: RecoveryOptions = DEFAULT_RECOVERY,
): Recovery {
  const start = Math.floor(startS);
  const end = Math.max(start, Math.floor(endS));
  const before = perSecond.slice(Math.max(0, start - options.baselineS), start);
  const baseline = median(before.length > 0 ? before : perSecond.slice(0, -1));
  const threshold = baseline * options.fraction;
  const complete = perSecond.length - 1;
  let minimum = Number.POSITIVE_INFINITY;
  let degraded = 0;
  for (let s = start; s < complete; s++) {
    minimum = Math.min(minimum, perSecond[s]!);
    if (s >= end && s + options.windowS <= complete) {
      const window = perSecond.slice(s, s + options.windowS);
      const mean = window.reduce((a, b) => a + b, 0) / window.length;
      if (mean >= threshold) {
        return {
          baselinePerSecond: baseline,
          minPerSecond: minimum,
          recoveryS: Math.max(0, s - end),
          degradedS: degraded,
        };
      }
    }
    if (perSecond[s]! < threshold) degraded++;
  }
  return {
    baselinePerSecond: baseline,
    minPerSecond: Number.isFinite(minimum) ? minimum : 0,
    recoveryS: null,
    degradedS: degraded,
  };
}

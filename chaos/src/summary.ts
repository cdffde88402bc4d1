/**
 * summary.json of a scenario and its invariants, built from plain data (unit-tested without a stack).
 */
import type { FaultRecord } from './faults.js';
import type { IdCheck } from './purchase-ids.js';
import { median, recoveryTime, type Recovery, type RecoveryOptions, DEFAULT_RECOVERY } from './recovery.js';
import type { ReadSample, ConsumerSample } from './samplers.js';
import type { Totals } from './timeline.js';

export interface FaultResult extends FaultRecord {
  /** Seconds since the load started. */
  readonly atS: number;
  readonly heldS: number;
  readonly throughput: Recovery;
  /** Seconds from the fault's end until the consumer's lag was back near its level before the fault; null: not during the load. */
  readonly lagRecoveryS: number | null;
}

export interface InvariantResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ChaosSummary {
  readonly kind: 'chaos';
  readonly scenario: string;
  readonly description: string;
  readonly startedAt: string;
  readonly command: string;
  readonly commit: string;
  readonly commitDirty: boolean;
  /** SHA-256 of `git diff HEAD --binary` when the tree had uncommitted changes (ALLOW_DIRTY=1). */
  readonly diffSha256?: string;
  readonly machine: unknown;
  readonly setup: Record<string, unknown>;
  readonly load: {
    readonly clients: number;
    readonly rounds: number;
    readonly durationS: number;
    readonly wallS: number;
    readonly purchases: { readonly total: number; readonly acknowledged: number; readonly failed: number };
    readonly attempts: Totals;
    /** Purchases acknowledged on their first attempt, of all purchases. */
    readonly firstTryShare: number;
    /** Purchases acknowledged with retries, of all purchases. */
    readonly acknowledgedShare: number;
    readonly statusCounts: Record<string, number>;
  };
  readonly storeReads: {
    readonly total: number;
    readonly ok: number;
    readonly unavailable: number;
    readonly network: number;
    readonly bad: number;
  };
  readonly faults: readonly FaultResult[];
  readonly recovery: {
    readonly worstS: number | null;
    readonly unrecovered: number;
    /** The most seconds of degraded throughput (below 80 % of the level before) any fault caused. */
    readonly worstDegradedS?: number | null;
  };
  readonly lag: { readonly max: number; readonly zeroAfterLoadS: number | null };
  readonly exactlyOnce: IdCheck;
  readonly verify: unknown;
  readonly invariants: readonly InvariantResult[];
  readonly ok: boolean;
  readonly files: { readonly timeline: string; readonly plot: string };
}

/** Seconds from the fault's end until lag ≤ 1.5 × the median lag of the 20 s before the fault + 100. */
export function lagRecovery(samples: readonly ConsumerSample[], startS: number, endS: number): number | null {
  const before = samples
    .filter((s) => s.tMs / 1000 >= startS - 20 && s.tMs / 1000 < startS)
    .map((s) => s.lag);
  const threshold = median(before) * 1.5 + 100;
  const after = samples.find((s) => s.tMs / 1000 >= endS && s.lag <= threshold);
  return after ? Math.max(0, Math.round((after.tMs / 1000 - endS) * 10) / 10) : null;
}

export function faultResults(
  records: readonly FaultRecord[],
  loadStartMs: number,
  acknowledgedPerSecond: readonly number[],
  consumer: readonly ConsumerSample[],
  options: RecoveryOptions = DEFAULT_RECOVERY,
): FaultResult[] {
  return records.map((r) => {
    const atS = (r.startMs - loadStartMs) / 1000;
    const endS = (r.endMs - loadStartMs) / 1000;
    return {
      ...r,
      atS: Math.round(atS * 10) / 10,
      heldS: Math.round((endS - atS) * 10) / 10,
      throughput: recoveryTime(acknowledgedPerSecond, atS, endS, options),
      lagRecoveryS: lagRecovery(consumer, atS, endS),
    };
  });
}

export function readStats(samples: readonly ReadSample[]) {
  const ok = samples.filter((s) => s.status === 200 || s.status === 404).length;
  const unavailable = samples.filter((s) => s.status === 503 && s.retryAfter).length;
  const network = samples.filter((s) => s.status === 0).length;
  return {
    total: samples.length,
    ok,
    unavailable,
    network,
    bad: samples.length - ok - unavailable - network,
  };
}

export interface InvariantInputs {
  readonly purchasesFailed: number;
  readonly totals: Totals;
  readonly storeReadsBad: number;
  readonly exactlyOnce: IdCheck;
  readonly verifyOk: boolean;
  readonly verifyDetail: string;
  readonly drained: boolean;
  readonly lagZeroAfterLoadS: number | null;
  readonly faults: readonly FaultRecord[];
  readonly expectedFaults: number;
}

/** The issue's invariants; the scenario fails unless all hold. */
export function evaluateInvariants(i: InvariantInputs): InvariantResult[] {
  const failedFaults = i.faults.filter((f) => f.error);
  return [
    {
      name: 'faults injected',
      ok: failedFaults.length === 0 && i.faults.length >= i.expectedFaults,
      detail:
        `${i.faults.length - failedFaults.length} of ${i.expectedFaults} planned` +
        (failedFaults.length > 0
          ? `; failed: ${failedFaults.map((f) => `${f.kind} (${f.error})`).join('; ')}`
          : ''),
    },
    {
      name: '0 lost',
      ok: i.exactlyOnce.lost === 0 && i.verifyOk,
      detail: `${i.exactlyOnce.lost} acknowledged purchaseIds on no shard; ledger vs shards and Store API: ${i.verifyDetail}`,
    },
    {
      name: '0 double-counted',
      ok: i.exactlyOnce.duplicated === 0 && i.exactlyOnce.misplaced === 0 && i.verifyOk,
      detail: `${i.exactlyOnce.duplicated} purchaseIds on two shards, ${i.exactlyOnce.misplaced} on a shard that does not own the store`,
    },
    {
      name: 'every purchase acknowledged (with retries)',
      ok: i.purchasesFailed === 0,
      detail: `${i.purchasesFailed} purchases failed after every retry`,
    },
    {
      name: 'no 5xx but 503 with Retry-After',
      ok: i.totals.serverErrors === 0 && i.totals.unavailableWithoutRetryAfter === 0 && i.storeReadsBad === 0,
      detail: `purchase API: ${i.totals.serverErrors} 5xx other than 503, ${i.totals.unavailableWithoutRetryAfter} 503 without Retry-After, ${i.totals.clientErrors} 4xx; Store API: ${i.storeReadsBad} bad answers`,
    },
    {
      name: 'consumer lag back to 0 after the load',
      ok: i.lagZeroAfterLoadS !== null,
      detail:
        (i.lagZeroAfterLoadS !== null ? `lag 0 after ${i.lagZeroAfterLoadS} s` : 'lag never read 0') +
        (i.drained ? '' : '; the shards never reached the acknowledged total (see 0 lost)'),
    },
  ];
}

/** The longest recovery among the faults that recovered during the load, and how many did not. */
export function worstRecovery(faults: readonly FaultResult[]): {
  worstS: number | null;
  unrecovered: number;
  worstDegradedS: number | null;
} {
  const recovered = faults.map((f) => f.throughput.recoveryS).filter((r): r is number => r !== null);
  return {
    worstS: recovered.length > 0 ? Math.max(...recovered) : null,
    unrecovered: faults.length - recovered.length,
    worstDegradedS: faults.length > 0 ? Math.max(...faults.map((f) => f.throughput.degradedS)) : null,
  };
}

export function timelineCsv(
  seconds: readonly {
    t: number;
    attempts: number;
    acknowledged: number;
    unavailable: number;
    network: number;
    other: number;
  }[],
  consumer: readonly ConsumerSample[],
): string {
  const lagAt = new Map<number, number>();
  for (const s of consumer) lagAt.set(Math.floor(s.tMs / 1000), s.lag);
  const lines = seconds.map(
    (s) =>
      `${s.t},${s.attempts},${s.acknowledged},${s.unavailable},${s.network},${s.other},${lagAt.get(s.t) ?? ''}`,
  );
  return `second,attempts,acknowledged,unavailable503,networkErrors,otherErrors,consumerLag\n${lines.join('\n')}\n`;
}

import type { Schedule } from './schedule.js';

export type Target = 'primary' | 'replica';

export interface HedgedOutcome<T> {
  readonly value: T;
  readonly winner: Target;
  /** Whether the replica was asked at all. */
  readonly hedged: boolean;
}

export interface HedgeHooks {
  /** Asked before the replica is: false keeps the query on the primary alone (budget spent). */
  mayHedge?(): boolean;
  /** The replica is being asked (the delay passed, or the primary failed first). */
  onHedge?(): void;
}

/**
 * A hedged request ("The Tail at Scale"): ask the primary; if it has not answered after `delayMs`,
 * ask the replica too and take whichever answers first. A primary that fails before the delay makes
 * the replica be asked at once. The loser is ignored (its query is short and bounded by the shard's
 * statement_timeout). Rejects only when every target asked has failed, with the primary's error.
 */
export function hedgedCall<T>(
  primary: () => Promise<T>,
  replica: (() => Promise<T>) | undefined,
  delayMs: number,
  schedule: Schedule,
  hooks: HedgeHooks = {},
): Promise<HedgedOutcome<T>> {
  if (replica === undefined) {
    return primary().then((value) => ({ value, winner: 'primary', hedged: false }));
  }
  return new Promise<HedgedOutcome<T>>((resolve, reject) => {
    let settled = false;
    let hedged = false;
    let primaryError: { error: unknown } | undefined;
    let replicaFailed = false;

    const finish = (outcome: HedgedOutcome<T>) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      resolve(outcome);
    };
    const failIfAllFailed = () => {
      if (settled || primaryError === undefined || (hedged && !replicaFailed)) return;
      settled = true;
      reject(primaryError.error);
    };
    const startReplica = () => {
      if (settled || hedged) return;
      if (hooks.mayHedge?.() === false) {
        // The primary is all there is now; its failure, if it already came, is the answer.
        failIfAllFailed();
        return;
      }
      hedged = true;
      hooks.onHedge?.();
      replica().then(
        (value) => finish({ value, winner: 'replica', hedged: true }),
        () => {
          replicaFailed = true;
          failIfAllFailed();
        },
      );
    };

    // The primary goes first, so one answering exactly at the delay is not hedged.
    const primaryAnswer = primary();
    const cancelTimer = schedule(delayMs, startReplica);
    primaryAnswer.then(
      (value) => finish({ value, winner: 'primary', hedged }),
      (error: unknown) => {
        primaryError = { error };
        cancelTimer();
        if (!hedged) startReplica();
        else failIfAllFailed();
      },
    );
  });
}

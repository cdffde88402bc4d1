/**
 * The load of a scenario: the Node load runner (closed-loop clients, Idempotency-Key retries, ledger)
 * for a fixed duration. A round is one run of the CS6650 profile on fresh store ids; when a round
 * ends before the duration another starts, and at the deadline every client finishes the purchase it
 * is sending and stops. All rounds share one ledger.
 */
import { randomBytes } from 'node:crypto';
import { Ledger } from '@tillstream/loadtest/ledger';
import type { RetryPolicy } from '@tillstream/loadtest/retry-policy';
import { LoadRun, type LoadRunResult } from '@tillstream/loadtest/runner';
import { makeProfile, storeIdOf, type WorkloadProfile } from '@tillstream/loadtest/workload';
import { Timeline } from './timeline.js';

export interface Round {
  readonly runId: string;
  readonly profile: WorkloadProfile;
  readonly result: LoadRunResult;
}

export interface LoadOutcome {
  readonly rounds: readonly Round[];
  readonly ledger: Ledger;
  readonly timeline: Timeline;
  /** Every store id of every round (each round's stores are fresh). */
  readonly storeIds: readonly number[];
  readonly wallMs: number;
}

export interface LoadOptions {
  readonly targetUrl: string;
  /** The stack's purchase API key, sent with every purchase. */
  readonly apiKey?: string;
  readonly profile: Omit<WorkloadProfile, 'storeIdBase'>;
  readonly firstStoreIdBase: number;
  readonly durationS: number;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
  readonly startMs: number;
  /** Store ids of the rounds started so far (for the Store API reader). */
  readonly onStores?: (storeIds: readonly number[]) => void;
  readonly log: (line: string) => void;
}

/** Store-id bases of consecutive rounds: thousands apart, never overlapping (pure). */
export function roundBase(firstBase: number, stores: number, round: number): number {
  return firstBase + round * Math.ceil(stores / 1000) * 1000;
}

export async function runTimedLoad(options: LoadOptions): Promise<LoadOutcome> {
  const ledger = new Ledger(options.profile.maxItemId);
  const timeline = new Timeline(options.startMs);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), options.durationS * 1000);
  const rounds: Round[] = [];
  const storeIds: number[] = [];
  try {
    for (let round = 0; !stop.signal.aborted; round++) {
      const profile = makeProfile({
        ...options.profile,
        storeIdBase: roundBase(options.firstStoreIdBase, options.profile.stores, round),
      });
      const runId = randomBytes(6).toString('hex');
      for (let i = 0; i < profile.stores; i++) storeIds.push(storeIdOf(profile, i));
      options.onStores?.(storeIds);
      options.log(`load round ${round + 1}: ${profile.stores} clients, stores ${storeIdOf(profile, 0)}…`);
      const result = await new LoadRun({
        profile,
        targetUrl: options.targetUrl,
        runId,
        retry: options.retry,
        requestTimeoutMs: options.requestTimeoutMs,
        ...(options.apiKey ? { headers: { authorization: `Bearer ${options.apiKey}` } } : {}),
        ledger,
        stopSignal: stop.signal,
        record: (r) =>
          timeline.add({
            endMs: r.startTime + r.latencyMs,
            status: r.status,
            retryAfterMs: r.retryAfterMs,
            attempt: r.attempt,
          }),
      }).run();
      rounds.push({ runId, profile, result });
    }
  } finally {
    clearTimeout(timer);
  }
  return { rounds, ledger, timeline, storeIds, wallMs: Date.now() - options.startMs };
}

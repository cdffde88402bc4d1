import { DeadlineExceeded, withDeadline } from './deadline.js';
import { HedgeBudget } from './hedge-budget.js';
import { hedgeDelayMs, type HedgePolicyOptions } from './hedge-policy.js';
import { hedgedCall, type Target } from './hedged-call.js';
import { LatencyWindow } from './latency-window.js';
import type { Schedule } from './schedule.js';
import type { QueryKind, ShardObserver, ShardRepository } from '../types.js';
import type { ItemCount, StoreCount } from './top-lists.js';

const DELAY_REFRESH_MS = 100;

/** A shard could not answer: it failed, or the deadline passed. */
export class ShardFailure extends Error {
  constructor(
    readonly shard: number,
    readonly reason: 'timeout' | 'error',
    options: { cause: unknown },
  ) {
    super(`shard ${shard} ${reason === 'timeout' ? 'timed out' : 'failed'}`, options);
    this.name = 'ShardFailure';
  }
}

export interface ShardClientOptions {
  /** Deadline of one shard call, hedge included. */
  readonly timeoutMs: number;
  readonly hedge: HedgePolicyOptions & {
    /** Hedges allowed per primary query in the long run (0.1 = 10 %). */
    readonly budgetRatio: number;
    /** Hedges allowed back to back. */
    readonly budgetBurst: number;
  };
  readonly window: { readonly maxSamples: number; readonly windowMs: number };
  /** Monotonic milliseconds. */
  readonly now: () => number;
  readonly schedule: Schedule;
  readonly observer: ShardObserver;
}

/**
 * One shard as the service sees it: its primary, an optional replica to hedge to, the primary's
 * recent latencies, and a deadline on every call.
 */
export class ShardClient {
  readonly window: LatencyWindow;
  private cachedDelay: { at: number; ms: number } | undefined;
  private readonly budget: HedgeBudget;

  constructor(
    readonly index: number,
    private readonly primary: ShardRepository,
    private readonly replica: ShardRepository | undefined,
    private readonly options: ShardClientOptions,
  ) {
    this.window = new LatencyWindow(options.window, options.now);
    this.budget = new HedgeBudget(options.hedge.budgetRatio, options.hedge.budgetBurst);
  }

  get hasReplica(): boolean {
    return this.replica !== undefined;
  }

  topItems(storeId: number): Promise<ItemCount[]> {
    return this.call('top_items', (repository) => repository.topItems(storeId));
  }

  topStores(itemId: number): Promise<StoreCount[]> {
    return this.call('top_stores', (repository) => repository.topStores(itemId));
  }

  /** Whether the primary answers within the deadline; updates shard_up. */
  async ping(): Promise<boolean> {
    try {
      await withDeadline(this.primary.ping(), this.options.timeoutMs, this.options.schedule);
      this.options.observer.shardUp(this.index, true);
      return true;
    } catch {
      this.options.observer.shardUp(this.index, false);
      return false;
    }
  }

  /**
   * The hedge delay, recomputed at most every DELAY_REFRESH_MS: sorting the window on every query
   * cost more CPU than the query itself under load, and the p95 of a 10 s window moves slowly.
   */
  private hedgeDelay(): number {
    const now = this.options.now();
    if (this.cachedDelay === undefined || now - this.cachedDelay.at >= DELAY_REFRESH_MS) {
      this.cachedDelay = { at: now, ms: hedgeDelayMs(this.window, this.options.hedge) };
    }
    return this.cachedDelay.ms;
  }

  private async call<T>(query: QueryKind, run: (repository: ShardRepository) => Promise<T>): Promise<T> {
    const { observer, now, schedule, timeoutMs } = this.options;
    const timed = (target: Target, repository: ShardRepository) => async () => {
      const start = now();
      const value = await run(repository);
      const ms = now() - start;
      observer.queryDuration(this.index, query, target, ms / 1000);
      if (target === 'primary') this.window.record(ms);
      return value;
    };
    const primary = timed('primary', this.primary);
    // Primary outcomes drive shard_up; a loser's late answer still counts as a latency sample.
    const observedPrimary = () =>
      primary().then(
        (value) => {
          observer.shardUp(this.index, true);
          return value;
        },
        (error: unknown) => {
          observer.shardUp(this.index, false);
          throw error;
        },
      );
    const replica = this.replica === undefined ? undefined : timed('replica', this.replica);
    const delay = replica === undefined ? 0 : this.hedgeDelay();
    if (replica !== undefined) this.budget.earn();
    try {
      const outcome = await withDeadline(
        hedgedCall(observedPrimary, replica, delay, schedule, {
          mayHedge: () => this.budget.trySpend(),
          onHedge: () => observer.hedgeSent(this.index),
        }),
        timeoutMs,
        schedule,
      );
      if (outcome.winner === 'replica') observer.hedgeWon(this.index);
      return outcome.value;
    } catch (error) {
      if (error instanceof DeadlineExceeded) {
        observer.timedOut(this.index);
        throw new ShardFailure(this.index, 'timeout', { cause: error });
      }
      throw new ShardFailure(this.index, 'error', { cause: error });
    }
  }
}

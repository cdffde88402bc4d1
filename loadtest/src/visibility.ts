/**
 * Visibility: the time from a purchase's 201 to its effect in the Store API, measured as a client sees
 * it. A probe posts one purchase every `intervalMs` to a store of its own (one item, quantity 1, so the
 * item's count in the store's top 10 is the number of probe purchases committed) and reads that store
 * every `pollMs`. Probe purchase k is visible once a read shows a count of at least baseline + k: the
 * probe sends the next purchase only after the previous one's 201, so its offsets on the store's
 * partition ascend and the consumer commits them in that order. A sample is the time from the 201's
 * arrival to the arrival of the first read that shows it: the effect through Kafka, the consumer, the
 * shard and the store's cache, within one poll interval plus one read.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchStoreTopItems } from './verify.js';
import { summarize } from './stats.js';
import { purchaseBody, purchasePath } from './workload.js';
import type { ItemQuantity } from './ledger.js';
import { NETWORK_ERROR, nextRetryDelay, retryAfterMs, type RetryPolicy } from './retry-policy.js';

export interface Visibility {
  /** Probe purchases acknowledged (201). */
  readonly acknowledged: number;
  /** Of those, the ones a Store API read showed before the probe stopped waiting. */
  readonly seen: number;
  /** Probe purchases that got no 201 within the retry policy; the probe stops at the first. */
  readonly failed: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  readonly intervalMs: number;
  readonly pollMs: number;
  readonly storeId: number;
}

/**
 * Matches acknowledgements with reads: pure, so the arithmetic is tested without a pipeline. Times are
 * any monotonic milliseconds.
 */
export class VisibilityTracker {
  readonly #baseline: number;
  /** 201 arrival times of the acknowledged probes not yet seen, in order (probe k at index k - seen - 1). */
  readonly #pending: number[] = [];
  readonly #samples: number[] = [];
  #acknowledged = 0;

  constructor(baseline: number) {
    this.#baseline = baseline;
  }

  /** The next probe purchase was acknowledged at `atMs`. */
  acknowledged(atMs: number): void {
    this.#acknowledged += 1;
    this.#pending.push(atMs);
  }

  /** A read arriving at `atMs` showed `count` for the probe item: every probe up to it is visible. */
  observed(count: number, atMs: number): void {
    const visible = count - this.#baseline;
    while (this.#pending.length > 0 && this.#samples.length < visible) {
      this.#samples.push(Math.max(0, atMs - this.#pending.shift()!));
    }
  }

  get pending(): number {
    return this.#pending.length;
  }

  get acknowledgedCount(): number {
    return this.#acknowledged;
  }

  samples(): readonly number[] {
    return this.#samples;
  }
}

export interface VisibilityProbeOptions {
  readonly purchaseUrl: string;
  readonly storeUrl: string;
  /** A store no other client writes to. */
  readonly storeId: number;
  readonly itemId: number;
  /** yyyyMMdd of the probe purchases. */
  readonly date: string;
  /** Makes the probe's Idempotency-Keys unique. */
  readonly runId: string;
  readonly intervalMs: number;
  readonly pollMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Each acknowledged probe purchase, for the run's ledger. */
  readonly onAcknowledged?: (storeId: number, items: readonly ItemQuantity[]) => void;
  /** How a probe purchase is retried (same Idempotency-Key): the run's own policy, so a fault the run's clients ride out does not end the probe. */
  readonly retry: RetryPolicy;
}

export interface VisibilityProbe {
  /** Stops sending, waits up to `waitMs` for the acknowledged probes to be seen, and summarises. */
  stop(waitMs: number): Promise<Visibility>;
}

/** The probe item's count in the store's top 10 (0 for a store without purchases). */
async function probeCount(storeUrl: string, storeId: number, itemId: number): Promise<number | undefined> {
  try {
    const answer = await fetchStoreTopItems(storeUrl, storeId, 1);
    if (answer.status === 404) return 0;
    if (answer.status !== 200) return undefined;
    return answer.items.find((i) => i.itemId === itemId)?.quantity ?? 0;
  } catch {
    return undefined;
  }
}

/** Reads the baseline, then starts sending and reading. */
export async function startVisibilityProbe(options: VisibilityProbeOptions): Promise<VisibilityProbe> {
  const { storeUrl, storeId, itemId } = options;
  let baseline: number | undefined;
  for (let i = 0; i < 50 && baseline === undefined; i++) {
    baseline = await probeCount(storeUrl, storeId, itemId);
    if (baseline === undefined) await sleep(200);
  }
  if (baseline === undefined) throw new Error(`visibility probe: store ${storeId} unreadable at ${storeUrl}`);
  const tracker = new VisibilityTracker(baseline);
  const purchase = {
    storeId,
    customerId: storeId * 1000,
    date: options.date,
    items: [{ itemId, quantity: 1 }],
  };
  const body = purchaseBody(purchase);
  const path = purchasePath(purchase);
  let sending = true;
  let failed = 0;
  let sequence = 0;

  const send = async (): Promise<void> => {
    while (sending) {
      const started = performance.now();
      const key = `${options.runId}-probe-${storeId}-${sequence++}`;
      let acknowledged = false;
      for (let attempt = 1; ; attempt++) {
        let status = NETWORK_ERROR;
        let retryAfter: number | undefined;
        try {
          const response = await fetch(`${options.purchaseUrl}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': key, ...options.headers },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          await response.body?.cancel();
          status = response.status;
          retryAfter = retryAfterMs(response.headers.get('retry-after') ?? undefined);
        } catch {
          status = NETWORK_ERROR;
        }
        if (status === 201) {
          acknowledged = true;
          break;
        }
        const delay = nextRetryDelay(options.retry, attempt, status, retryAfter, Math.random());
        if (delay === undefined) break;
        await sleep(delay);
      }
      if (!acknowledged) {
        // Whether it was written is unknown, so later counts would be ambiguous: stop probing.
        failed += 1;
        return;
      }
      tracker.acknowledged(performance.now());
      options.onAcknowledged?.(storeId, purchase.items);
      await sleep(Math.max(0, options.intervalMs - (performance.now() - started)));
    }
  };

  let reading = true;
  const read = async (): Promise<void> => {
    while (reading) {
      if (tracker.pending > 0) {
        const count = await probeCount(storeUrl, storeId, itemId);
        if (count !== undefined) tracker.observed(count, performance.now());
      }
      await sleep(options.pollMs);
    }
  };

  const sender = send();
  const reader = read();
  return {
    async stop(waitMs: number): Promise<Visibility> {
      sending = false;
      await sender;
      const deadline = performance.now() + waitMs;
      while (tracker.pending > 0 && performance.now() < deadline) await sleep(options.pollMs);
      reading = false;
      await reader;
      const samples = tracker.samples();
      const summary = samples.length > 0 ? summarize(samples) : undefined;
      const ms = (v: number | undefined) => (v === undefined ? null : Math.round(v * 10) / 10);
      return {
        acknowledged: tracker.acknowledgedCount,
        seen: samples.length,
        failed,
        p50Ms: ms(summary?.medianMs),
        p95Ms: ms(summary?.p95Ms),
        p99Ms: ms(summary?.p99Ms),
        maxMs: ms(summary?.maxMs),
        intervalMs: options.intervalMs,
        pollMs: options.pollMs,
        storeId,
      };
    },
  };
}

/** One line for tables and logs. */
export function formatVisibility(v: Visibility): string {
  if (v.p99Ms === null) return `no probe purchase seen (${v.acknowledged} acknowledged)`;
  const unseen = v.acknowledged - v.seen;
  return (
    `p50 ${v.p50Ms} ms, p95 ${v.p95Ms} ms, p99 ${v.p99Ms} ms, max ${v.maxMs} ms ` +
    `(${v.seen.toLocaleString('en-US')} probe purchases, 201 to Store API${unseen > 0 ? `; ${unseen} not seen` : ''}${v.failed > 0 ? `; ${v.failed} failed` : ''})`
  );
}

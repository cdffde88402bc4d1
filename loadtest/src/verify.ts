/**
 * The post-run check: wait until the consumer has drained what the run acknowledged, then compare the
 * ledger with the shards (every (store, item) total, each store on the shard the shard map names,
 * one `purchases` row per acknowledged purchase) and with the Store API (each store's top 10 in the
 * documented order: quantity descending, ties by item id ascending).
 */
import { shardOfStore, type Topology } from '@tillstream/contract';
import { readConsumerLag } from './consumer-lag.js';
import { diffItemLists, type ItemQuantity, type Ledger } from './ledger.js';
import type { ShardReader } from './shards.js';

const MAX_REPORTED = 20;

export interface DrainOptions {
  readonly shards: ShardReader;
  readonly fromStore: number;
  readonly toStore: number;
  /** The ledger's total quantity: what the shards must reach. */
  readonly expectedQuantity: number;
  readonly consumerMetricsUrl?: string;
  readonly timeoutMs: number;
  readonly pollMs?: number;
}

export interface DrainResult {
  readonly drained: boolean;
  /** From the call until the shards held everything acknowledged. */
  readonly drainMs: number;
  /** From the call until the consumer's lag metric first read 0 (absent without metrics). */
  readonly lagZeroMs?: number;
  readonly expectedQuantity: number;
  readonly foundQuantity: number;
}

export async function waitForDrain(options: DrainOptions): Promise<DrainResult> {
  const pollMs = options.pollMs ?? 500;
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  let lagZeroMs: number | undefined;
  let found = -1;
  let sameCount = 0;
  for (;;) {
    const lag = options.consumerMetricsUrl ? await readConsumerLag(options.consumerMetricsUrl) : undefined;
    if (lag === 0 && lagZeroMs === undefined) lagZeroMs = performance.now() - started;
    // While the consumer reports lag, the shards cannot be complete: skip the (larger) shard query.
    if (lag === undefined || lag === 0) {
      const previous = found;
      found = await options.shards.totalQuantity(options.fromStore, options.toStore);
      const elapsed = performance.now() - started;
      if (found === options.expectedQuantity) {
        return {
          drained: true,
          drainMs: elapsed,
          lagZeroMs,
          expectedQuantity: options.expectedQuantity,
          foundQuantity: found,
        };
      }
      // More than acknowledged: failed purchases were written after all. Stop once it is stable.
      sameCount = found === previous ? sameCount + 1 : 0;
      if (found > options.expectedQuantity && sameCount >= 3) {
        return {
          drained: true,
          drainMs: elapsed,
          lagZeroMs,
          expectedQuantity: options.expectedQuantity,
          foundQuantity: found,
        };
      }
    }
    if (performance.now() >= deadline) {
      return {
        drained: false,
        drainMs: performance.now() - started,
        lagZeroMs,
        expectedQuantity: options.expectedQuantity,
        foundQuantity: Math.max(found, 0),
      };
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export interface CheckResult {
  readonly ok: boolean;
  readonly checked: number;
  readonly mismatchCount: number;
  /** The first mismatches, readable. */
  readonly mismatches: readonly string[];
  /** Reads that were answered only after a 503 was retried (Store API check). */
  readonly retriedAfter503?: number;
  /** Stores whose answer equalled the ledger only when read again within the settle time (Store API check). */
  readonly settledOnReread?: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** Every (store, item) total on the owning shard equals the ledger; no store on a foreign shard. */
  readonly shards: CheckResult;
  /** `purchases` rows per store equal the acknowledged purchases. */
  readonly purchaseRows: CheckResult;
  /** GET /items/store/:id equals the ledger's top 10 (skipped without a Store API URL). */
  readonly storeApi?: CheckResult;
}

class Findings {
  readonly lines: string[] = [];
  count = 0;
  checked = 0;
  retried = 0;
  settled = 0;
  add(line: string) {
    this.count += 1;
    if (this.lines.length < MAX_REPORTED) this.lines.push(line);
  }
  result(): CheckResult {
    return {
      ok: this.count === 0,
      checked: this.checked,
      mismatchCount: this.count,
      mismatches: this.lines,
      ...(this.retried > 0 ? { retriedAfter503: this.retried } : {}),
      ...(this.settled > 0 ? { settledOnReread: this.settled } : {}),
    };
  }
}

export interface VerifyOptions {
  readonly ledger: Ledger;
  /** Every store id of the run (stores without an acknowledged purchase must be absent). */
  readonly storeIds: readonly number[];
  readonly shards: ShardReader;
  readonly topology: Topology;
  readonly storeApiUrl?: string;
  /**
   * How long a store's Store API answer may take to equal the ledger (default 5 s): a store serves an
   * answer from its cache for up to STORE_CACHE_TTL_MS (500 ms by default), so a store read during the
   * run may be answered stale just after it, and a gateway in front of replaced replicas answers 502
   * until it has resolved their new addresses (the compose gateway re-resolves every 5 s). A store whose
   * answer differs is read again every `storeApiRereadMs` until it agrees; one that still differs
   * after this long is a finding.
   */
  readonly storeApiSettleMs?: number;
  readonly storeApiRereadMs?: number;
  readonly concurrency?: number;
}

export async function verifyRun(options: VerifyOptions): Promise<VerifyReport> {
  const { ledger, storeIds, shards, topology } = options;
  const from = Math.min(...storeIds);
  const to = Math.max(...storeIds);
  const concurrency = options.concurrency ?? 8;

  const shardFindings = new Findings();
  const aggregates = await shards.storeAggregates(from, to);
  const byStore = new Map<number, (typeof aggregates)[number][]>();
  for (const a of aggregates) byStore.set(a.storeId, [...(byStore.get(a.storeId) ?? []), a]);
  await mapLimit(storeIds, concurrency, async (storeId) => {
    const owner = shardOfStore(storeId, topology);
    for (const a of byStore.get(storeId) ?? []) {
      if (a.shard !== owner)
        shardFindings.add(`store ${storeId}: ${a.items} rows on shard ${a.shard}, owner is ${owner}`);
    }
    const expected = ledger.items(storeId);
    const actual = await shards.storeItems(owner, storeId);
    shardFindings.checked += Math.max(expected.length, actual.length);
    const problems = diffItemSets(expected, actual);
    if (problems.length > 0)
      shardFindings.add(
        `store ${storeId}: ${problems.length} (store, item) totals differ, e.g. ${problems[0]}`,
      );
    const total = actual.reduce((sum, i) => sum + i.quantity, 0);
    if (total !== ledger.total(storeId))
      shardFindings.add(`store ${storeId}: shard total ${total}, ledger ${ledger.total(storeId)}`);
  });

  const rowFindings = new Findings();
  const counts = await shards.purchaseCounts(from, to);
  for (const storeId of storeIds) {
    rowFindings.checked += 1;
    const rows = counts.get(storeId) ?? 0;
    if (rows !== ledger.purchases(storeId))
      rowFindings.add(`store ${storeId}: ${rows} purchase rows, ${ledger.purchases(storeId)} acknowledged`);
  }

  const storeApi = options.storeApiUrl
    ? await checkStoreApi({ ...options, storeApiUrl: options.storeApiUrl, concurrency })
    : undefined;

  const shardsResult = shardFindings.result();
  const rowsResult = rowFindings.result();
  return {
    ok: shardsResult.ok && rowsResult.ok && (storeApi?.ok ?? true),
    shards: shardsResult,
    purchaseRows: rowsResult,
    ...(storeApi ? { storeApi } : {}),
  };
}

/** GET /items/store/:id of every store against the ledger's top 10, each read again until it agrees or settles. */
export async function checkStoreApi(
  options: Pick<
    VerifyOptions,
    'ledger' | 'storeIds' | 'storeApiSettleMs' | 'storeApiRereadMs' | 'concurrency'
  > & {
    readonly storeApiUrl: string;
  },
): Promise<CheckResult> {
  const findings = new Findings();
  const settleMs = options.storeApiSettleMs ?? 5_000;
  const rereadMs = options.storeApiRereadMs ?? 250;
  await mapLimit(options.storeIds, options.concurrency ?? 8, async (storeId) => {
    findings.checked += 1;
    const expected = options.ledger.topItems(storeId, 10);
    const deadline = performance.now() + settleMs;
    for (let read = 1; ; read++) {
      const problem = await storeApiProblem(options.storeApiUrl, storeId, expected, findings);
      if (problem === undefined) {
        if (read > 1) findings.settled += 1;
        return;
      }
      if (performance.now() + rereadMs > deadline) {
        findings.add(problem);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, rereadMs));
    }
  });
  return findings.result();
}

/** What is wrong with one read of a store's top 10 against the ledger's; undefined: nothing. */
async function storeApiProblem(
  base: string,
  storeId: number,
  expected: readonly ItemQuantity[],
  findings: Findings,
): Promise<string | undefined> {
  let answer: Awaited<ReturnType<typeof fetchStoreTopItems>>;
  try {
    answer = await fetchStoreTopItems(base, storeId);
  } catch (error) {
    return `store ${storeId}: GET /items/store/${storeId} failed: ${(error as Error).message}`;
  }
  if (answer.retries > 0 && answer.status !== 503) findings.retried += 1;
  if (answer.status === 404 && expected.length === 0) return undefined;
  if (answer.status !== 200) return `store ${storeId}: GET /items/store/${storeId} → ${answer.status}`;
  const problems = diffItemLists(expected, answer.items);
  return problems.length > 0 ? `store ${storeId}: top 10 differs at ${problems[0]}` : undefined;
}

/** Differences between two lists of (item, quantity), both ascending by item id. */
export function diffItemSets(expected: readonly ItemQuantity[], actual: readonly ItemQuantity[]): string[] {
  const problems: string[] = [];
  const want = new Map(expected.map((i) => [i.itemId, i.quantity]));
  const have = new Map(actual.map((i) => [i.itemId, i.quantity]));
  for (const [itemId, quantity] of want) {
    const got = have.get(itemId) ?? 0;
    if (got !== quantity) problems.push(`item ${itemId}: expected ${quantity}, shard has ${got}`);
  }
  for (const [itemId, quantity] of have) {
    if (!want.has(itemId)) problems.push(`item ${itemId}: not in the ledger, shard has ${quantity}`);
  }
  return problems;
}

/** GET /items/store/:id, parsed into the ledger's shape. */
/**
 * A store's top 10 from the Store API. A read is safe to repeat, so a 503 (the service shedding load, or a
 * shard call past its deadline) is asked again after its Retry-After (at most 2 s), up to `attempts` times,
 * as a client of the API would; `retries` says how many it took, so a check can report them.
 */
export async function fetchStoreTopItems(
  baseUrl: string,
  storeId: number,
  attempts = 5,
): Promise<{ status: number; items: ItemQuantity[]; retries: number }> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${baseUrl}/items/store/${storeId}`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 503 && attempt < attempts) {
      await response.body?.cancel();
      const after = Number(response.headers.get('retry-after'));
      const waitMs = Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 2_000) : 500;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      continue;
    }
    const body = (await response.json().catch(() => undefined)) as
      { stores?: { itemID: number; numberOfItems: number }[] } | undefined;
    const items = (body?.stores ?? []).map((s) => ({
      itemId: Number(s.itemID),
      quantity: Number(s.numberOfItems),
    }));
    return { status: response.status, items, retries: attempt - 1 };
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

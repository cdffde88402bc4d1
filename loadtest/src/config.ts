/**
 * Options of the load runner, the demo and the experiment, from the environment (parsed once,
 * validated, frozen). Every variable is documented in loadtest/README.md.
 */
import path from 'node:path';
import { bool, int, list, loadConfig, z } from '@tillstream/config';
import { DEFAULT_PROFILE, makeProfile, type WorkloadProfile } from './workload.js';
import type { RetryPolicy } from './retry-policy.js';

export interface LoadConfig {
  readonly profile: WorkloadProfile;
  /** undefined: pick the first free range above every store id on the shards ("auto"). */
  readonly storeIdBase: number | undefined;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
  /** Bearer key sent with every purchase; unset: the native stack's own key, when it is the target. */
  readonly apiKey: string | undefined;
  readonly purchaseUrl: string | undefined;
  readonly storeUrl: string | undefined;
  readonly consumerMetricsUrl: string | undefined;
  readonly shardUrls: readonly string[];
  readonly kafkaPartitions: number | undefined;
  readonly verify: boolean;
  readonly drainTimeoutMs: number;
  readonly lagSampleIntervalMs: number;
  /** The visibility probe (201 → Store API): one probe purchase per this many ms; 0: no probe. */
  readonly visibilityIntervalMs: number;
  /** How often the probe reads its store. */
  readonly visibilityPollMs: number;
  readonly progressIntervalMs: number;
  readonly resultsDir: string;
  readonly scenario: string;
  readonly gzipAboveBytes: number;
  /** Experiment: client counts to run, in order. */
  readonly clients: readonly number[];
  /** Keep the stack running after demo/experiment even if they started it. */
  readonly keepStack: boolean;
  /** Record under results/ from a tree with uncommitted changes (the diff's hash is recorded). */
  readonly allowDirty: boolean;
}

const optionalUrl = z.url().optional();

/**
 * `make demo`'s defaults. A demo is run by anyone on any checkout: from a tree with uncommitted
 * changes it records the diff's hash instead of refusing.
 */
export const DEMO_DEFAULTS = {
  stores: 256,
  purchasesPerHour: 20,
  scenario: 'demo',
  allowDirty: true,
} as const;

export function loadLoadConfig(
  env: NodeJS.ProcessEnv = process.env,
  defaults: Partial<WorkloadProfile> & { scenario?: string; allowDirty?: boolean } = {},
): Readonly<LoadConfig> {
  const base = { ...DEFAULT_PROFILE, ...defaults };
  return loadConfig(
    {
      STORES: int(base.stores, 1, 100_000),
      CUSTOMERS_PER_STORE: int(base.customersPerStore, 1, 1000),
      MAX_ITEM_ID: int(base.maxItemId, 1, 2_147_483_647),
      PURCHASES_PER_HOUR: int(base.purchasesPerHour, 1, 1_000_000),
      ITEMS_PER_PURCHASE: int(base.itemsPerPurchase, 1, 20),
      QUANTITY_PER_ITEM: int(base.quantityPerItem, 1, 10_000),
      PURCHASE_DATE: z
        .string()
        .regex(/^\d{8}$/)
        .default(base.date),
      HOURS: int(base.hours, 1, 24),
      SEED: int(base.seed, 0, 0xffffffff),
      STORE_ID_BASE: z.union([z.literal('auto'), z.coerce.number().int().min(0)]).default('auto'),
      STORES_FROM: int(base.firstStoreNumber ?? 1, 0, 1),
      MAX_ATTEMPTS: int(6, 1, 100),
      RETRY_BASE_DELAY_MS: int(50, 1, 60_000),
      RETRY_MAX_DELAY_MS: int(2000, 1, 600_000),
      REQUEST_TIMEOUT_MS: int(30_000, 100, 600_000),
      API_KEY: z.string().optional(),
      PURCHASE_URL: optionalUrl,
      STORE_URL: optionalUrl,
      CONSUMER_METRICS_URL: optionalUrl,
      SHARD_URLS: list(),
      KAFKA_PARTITIONS: z.coerce.number().int().min(1).optional(),
      VERIFY: bool(true),
      DRAIN_TIMEOUT_MS: int(600_000, 1000),
      LAG_SAMPLE_INTERVAL_MS: int(1000, 100),
      VISIBILITY_INTERVAL_MS: int(250, 0, 60_000),
      VISIBILITY_POLL_MS: int(20, 1, 10_000),
      PROGRESS_INTERVAL_MS: int(10_000, 500),
      RESULTS_DIR: z.string().default('results'),
      SCENARIO: z
        .string()
        .regex(/^[a-z0-9-]{1,40}$/)
        .default(defaults.scenario ?? 'run'),
      CSV_GZIP_ABOVE_BYTES: int(8 * 1024 * 1024, 0),
      CLIENTS: list(['256', '512', '1024']).pipe(
        z.array(z.string().regex(/^\d+$/, 'a comma-separated list of client counts').transform(Number)),
      ),
      KEEP: bool(false),
      ALLOW_DIRTY: bool(defaults.allowDirty ?? false),
    },
    env,
    (e) => ({
      profile: makeProfile({
        stores: e.STORES,
        customersPerStore: e.CUSTOMERS_PER_STORE,
        maxItemId: e.MAX_ITEM_ID,
        purchasesPerHour: e.PURCHASES_PER_HOUR,
        itemsPerPurchase: e.ITEMS_PER_PURCHASE,
        quantityPerItem: e.QUANTITY_PER_ITEM,
        date: e.PURCHASE_DATE,
        hours: e.HOURS,
        seed: e.SEED,
        storeIdBase: e.STORE_ID_BASE === 'auto' ? 0 : e.STORE_ID_BASE,
        firstStoreNumber: e.STORES_FROM === 0 ? 0 : 1,
      }),
      storeIdBase: e.STORE_ID_BASE === 'auto' ? undefined : e.STORE_ID_BASE,
      retry: {
        maxAttempts: e.MAX_ATTEMPTS,
        baseDelayMs: e.RETRY_BASE_DELAY_MS,
        maxDelayMs: e.RETRY_MAX_DELAY_MS,
      },
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      apiKey: e.API_KEY,
      purchaseUrl: e.PURCHASE_URL,
      storeUrl: e.STORE_URL,
      consumerMetricsUrl: e.CONSUMER_METRICS_URL,
      shardUrls: e.SHARD_URLS,
      kafkaPartitions: e.KAFKA_PARTITIONS,
      verify: e.VERIFY,
      drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
      lagSampleIntervalMs: e.LAG_SAMPLE_INTERVAL_MS,
      visibilityIntervalMs: e.VISIBILITY_INTERVAL_MS,
      visibilityPollMs: e.VISIBILITY_POLL_MS,
      progressIntervalMs: e.PROGRESS_INTERVAL_MS,
      resultsDir: e.RESULTS_DIR,
      scenario: e.SCENARIO,
      gzipAboveBytes: e.CSV_GZIP_ABOVE_BYTES,
      clients: e.CLIENTS,
      keepStack: e.KEEP,
      allowDirty: e.ALLOW_DIRTY,
    }),
    { secrets: ['apiKey'] },
  );
}

/**
 * The variables of `config` that differ from `baseline` (what the same command with no variables
 * set would use), for a command that reproduces a run. Store count, targets, output and secrets are
 * left out: the caller names the client count, and the rest does not change what is measured.
 */
export function changedSettings(
  config: LoadConfig,
  baseline: LoadConfig,
): Record<string, string | number | boolean> {
  const pairs: [string, unknown, unknown][] = [
    ['SCENARIO', config.scenario, baseline.scenario],
    ['PURCHASES_PER_HOUR', config.profile.purchasesPerHour, baseline.profile.purchasesPerHour],
    ['HOURS', config.profile.hours, baseline.profile.hours],
    ['ITEMS_PER_PURCHASE', config.profile.itemsPerPurchase, baseline.profile.itemsPerPurchase],
    ['QUANTITY_PER_ITEM', config.profile.quantityPerItem, baseline.profile.quantityPerItem],
    ['MAX_ITEM_ID', config.profile.maxItemId, baseline.profile.maxItemId],
    ['CUSTOMERS_PER_STORE', config.profile.customersPerStore, baseline.profile.customersPerStore],
    ['PURCHASE_DATE', config.profile.date, baseline.profile.date],
    ['SEED', config.profile.seed, baseline.profile.seed],
    ['STORE_ID_BASE', config.storeIdBase, baseline.storeIdBase],
    ['STORES_FROM', config.profile.firstStoreNumber, baseline.profile.firstStoreNumber],
    ['MAX_ATTEMPTS', config.retry.maxAttempts, baseline.retry.maxAttempts],
    ['RETRY_BASE_DELAY_MS', config.retry.baseDelayMs, baseline.retry.baseDelayMs],
    ['RETRY_MAX_DELAY_MS', config.retry.maxDelayMs, baseline.retry.maxDelayMs],
    ['REQUEST_TIMEOUT_MS', config.requestTimeoutMs, baseline.requestTimeoutMs],
    ['VERIFY', config.verify, baseline.verify],
    ['VISIBILITY_INTERVAL_MS', config.visibilityIntervalMs, baseline.visibilityIntervalMs],
    ['VISIBILITY_POLL_MS', config.visibilityPollMs, baseline.visibilityPollMs],
  ];
  const changed: Record<string, string | number | boolean> = {};
  for (const [name, value, base] of pairs) {
    if (value !== base && value !== undefined) changed[name] = value as string | number | boolean;
  }
  return changed;
}

/**
 * `RESULTS_DIR` as the caller set it, for a recorded command, when it is not the default (the
 * measurements that write below it, compare and profile, add their own folder to it).
 */
export function resultsDirSetting(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const value = env.RESULTS_DIR;
  return value === undefined || path.normalize(value).replace(/\/+$/, '') === 'results'
    ? {}
    : { RESULTS_DIR: value };
}

/**
 * Where a run sends its load and what it checks afterwards: from explicit variables, else from the
 * native stack's `.stack/state.json` (services, shard URLs, partition count).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Topology } from '@tillstream/contract';
import { readStackApiKey } from '@tillstream/stack';
import type { LoadConfig } from './config.js';

export interface Targets {
  readonly purchaseUrl: string;
  readonly storeUrl?: string;
  readonly consumerMetricsUrl?: string;
  readonly shardUrls: readonly string[];
  readonly topology: Topology;
  /** The bearer key every purchase is sent with (secret: never logged or recorded). */
  readonly apiKey?: string;
}

/** The fields of `.stack/state.json` this package reads. */
export interface StackStateView {
  readonly status: string;
  readonly kafka: { readonly partitions: number };
  readonly shards: readonly { readonly url: string }[];
  readonly services: Readonly<Record<string, { readonly url: string }>>;
  /** The stack's purchase API key (`.stack/purchase-api-key`), when it has one. */
  readonly purchaseApiKey?: string;
}

/**
 * The state of the stack in `stackDir` (STACK_DIR; by default `.stack` of the checkout), with its key;
 * `View` names the further fields of state.json a caller reads.
 */
export async function readStackState<View extends StackStateView = StackStateView>(
  repoRoot: string,
  stackDir = path.join(repoRoot, '.stack'),
): Promise<View | undefined> {
  try {
    const state = JSON.parse(await readFile(path.join(stackDir, 'state.json'), 'utf8')) as View;
    const purchaseApiKey = readStackApiKey(stackDir);
    return purchaseApiKey ? { ...state, purchaseApiKey } : state;
  } catch {
    return undefined;
  }
}

/** The variables that name targets explicitly (LoadConfig's). */
export type ExplicitTargets = Pick<
  LoadConfig,
  'apiKey' | 'purchaseUrl' | 'storeUrl' | 'consumerMetricsUrl' | 'shardUrls' | 'kafkaPartitions'
>;

/** No explicit target: everything from the stack's state (a private stack of a measurement). */
export const STACK_TARGETS_ONLY: ExplicitTargets = {
  apiKey: undefined,
  purchaseUrl: undefined,
  storeUrl: undefined,
  consumerMetricsUrl: undefined,
  shardUrls: [],
  kafkaPartitions: undefined,
};

/**
 * Explicit variables win; the stack state fills the rest. Throws when the purchase URL is unknown.
 * The stack's API key is sent only to the stack's own purchase service, never to another PURCHASE_URL.
 */
export function resolveTargets(config: ExplicitTargets, state: StackStateView | undefined): Targets {
  const purchaseUrl = config.purchaseUrl ?? state?.services.purchase?.url;
  if (!purchaseUrl) {
    throw new Error(
      'no purchase service: set PURCHASE_URL, or start the stack with the services built (make up)',
    );
  }
  const storeUrl = config.storeUrl ?? state?.services.store?.url;
  const consumerUrl = state?.services.consumer?.url;
  const consumerMetricsUrl =
    config.consumerMetricsUrl ?? (consumerUrl ? `${consumerUrl}/metrics` : undefined);
  const shardUrls = config.shardUrls.length > 0 ? config.shardUrls : (state?.shards.map((s) => s.url) ?? []);
  const partitionCount = config.kafkaPartitions ?? state?.kafka.partitions ?? 12;
  const apiKey =
    config.apiKey ?? (purchaseUrl === state?.services.purchase?.url ? state.purchaseApiKey : undefined);
  return {
    purchaseUrl,
    ...(apiKey ? { apiKey } : {}),
    ...(storeUrl ? { storeUrl } : {}),
    ...(consumerMetricsUrl ? { consumerMetricsUrl } : {}),
    shardUrls,
    topology: { partitionCount, shardCount: Math.max(1, shardUrls.length) },
  };
}

import {
  Counter,
  Gauge,
  Histogram,
  READ_LATENCY_BUCKETS_SECONDS,
  type Registry,
} from '@tillstream/observability';
import type { CacheResult } from './domain/query-cache.js';
import type { ShardObserver } from './types.js';

/** The store's metrics, named as the dashboards expect (deploy/grafana). No label carries an id. */
export function createStoreMetrics(registry: Registry) {
  const registers = [registry];
  const queryDuration = new Histogram({
    name: 'store_shard_query_duration_seconds',
    help: 'Duration of one query on one shard database, pool wait included, by query and target (primary or replica)',
    labelNames: ['shard', 'query', 'target'] as const,
    buckets: READ_LATENCY_BUCKETS_SECONDS,
    registers,
  });
  const poolWait = new Histogram({
    name: 'store_pool_wait_seconds',
    help: 'Wait for a connection from a shard database pool (primary or replica) before a query',
    labelNames: ['shard', 'target'] as const,
    buckets: READ_LATENCY_BUCKETS_SECONDS,
    registers,
  });
  const hedged = new Counter({
    name: 'store_hedged_requests_total',
    help: 'Queries also sent to a shard replica (hedge delay passed, or the primary failed first)',
    labelNames: ['shard'] as const,
    registers,
  });
  const hedgeWins = new Counter({
    name: 'store_hedged_wins_total',
    help: 'Hedged queries answered by the replica first',
    labelNames: ['shard'] as const,
    registers,
  });
  const cacheRequests = new Counter({
    name: 'store_cache_requests_total',
    help: 'Shard-query lookups in the answer cache: hit, miss (queried) or coalesced (joined an identical running query)',
    labelNames: ['result'] as const,
    registers,
  });
  const degraded = new Counter({
    name: 'store_degraded_answers_total',
    help: 'Answers missing shards: partial (200 with missingShards) or unavailable (503)',
    labelNames: ['kind'] as const,
    registers,
  });
  const timeouts = new Counter({
    name: 'store_shard_timeouts_total',
    help: 'Shard calls that passed STORE_SHARD_TIMEOUT_MS',
    labelNames: ['shard'] as const,
    registers,
  });
  const shardUp = new Gauge({
    name: 'shard_up',
    help: 'Whether the shard primary answered its last query or probe (1) or not (0)',
    labelNames: ['shard'] as const,
    // Across cluster workers a shard is up only if every worker reaches it.
    aggregator: 'min',
    registers,
  });

  const observer: ShardObserver = {
    queryDuration: (shard, query, target, seconds) =>
      queryDuration.observe({ shard: String(shard), query, target }, seconds),
    hedgeSent: (shard) => hedged.inc({ shard: String(shard) }),
    hedgeWon: (shard) => hedgeWins.inc({ shard: String(shard) }),
    timedOut: (shard) => timeouts.inc({ shard: String(shard) }),
    shardUp: (shard, up) => shardUp.set({ shard: String(shard) }, up ? 1 : 0),
  };

  return {
    observer,
    /** The pool-wait observer of one shard database's pool. */
    poolWait: (shard: number, target: 'primary' | 'replica') => {
      const labels = { shard: String(shard), target };
      return (seconds: number) => poolWait.observe(labels, seconds);
    },
    cacheRequest: (result: CacheResult) => cacheRequests.inc({ result }),
    degradedAnswer: (kind: 'partial' | 'unavailable') => degraded.inc({ kind }),
    /** Zero every labelled series up front, so dashboards see them before the first event. */
    initialise(shardCount: number) {
      for (const result of ['hit', 'miss', 'coalesced'] as const) cacheRequests.inc({ result }, 0);
      for (const kind of ['partial', 'unavailable'] as const) degraded.inc({ kind }, 0);
      for (let shard = 0; shard < shardCount; shard++) {
        const label = { shard: String(shard) };
        hedged.inc(label, 0);
        hedgeWins.inc(label, 0);
        timeouts.inc(label, 0);
      }
    },
  };
}

export type StoreMetrics = ReturnType<typeof createStoreMetrics>;

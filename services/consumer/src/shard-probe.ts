import type { Logger } from '@tillstream/observability';
import type { ConsumerMetrics } from './metrics.js';

/** Probes every shard on an interval so shard_up is current even when no batch touches a shard. */
export function startShardProbe(deps: {
  readonly probe: (shard: number) => Promise<void>;
  readonly shardCount: number;
  readonly intervalMs: number;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
}): { stop(): void } {
  const up = new Map<number, boolean>();
  const probeAll = () => {
    for (let shard = 0; shard < deps.shardCount; shard++) {
      deps.probe(shard).then(
        () => {
          if (up.get(shard) === false) deps.log.info({ shard }, 'shard is reachable again');
          up.set(shard, true);
          deps.metrics.shardUp.set({ shard: String(shard) }, 1);
        },
        (error: Error) => {
          if (up.get(shard) !== false) deps.log.warn({ shard, err: error.message }, 'shard unreachable');
          up.set(shard, false);
          deps.metrics.shardUp.set({ shard: String(shard) }, 0);
        },
      );
    }
  };
  probeAll();
  const timer = setInterval(probeAll, deps.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

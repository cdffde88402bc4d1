import { OPS_ROUTES, percentiles, processRow, quantile, type DashboardSpec } from '../panel-kit.js';
import { errorRatio } from './overview.js';
import { instanceVariable } from './service-variables.js';

const S = 'service="store", instance=~"$instance"';

export const store: DashboardSpec = {
  uid: 'tillstream-store',
  title: 'tillstream / Store',
  description: 'The read path: top-10 queries, per-shard latency, hedging, the cache, degraded answers.',
  tags: ['store'],
  links: true,
  variables: [instanceVariable('store')],
  rows: [
    {
      title: 'Requests',
      panels: [
        {
          title: 'Requests by route and status',
          description: 'Requests per second by route template, method and status (404: unknown route or id).',
          unit: 'reqps',
          stack: true,
          targets: [
            {
              expr: `sum by (route, method, status) (rate(http_requests_total{${S}, ${OPS_ROUTES}}[$__rate_interval]))`,
              legend: '{{method}} {{route}} {{status}}',
            },
          ],
        },
        {
          title: 'Error ratio (5xx)',
          description:
            'Share of requests answered 5xx (503 when a shard is missing and partial answers were not asked for).',
          unit: 'percentunit',
          thresholds: [{ value: 0.01, color: 'red' }],
          targets: [{ expr: errorRatio(`${S}, ${OPS_ROUTES}`, 'service'), legend: 'error ratio' }],
        },
        {
          title: 'Latency by route',
          description:
            'p50, p95 and p99 per route: top items of a store is one shard, top stores of an item fans out to all. Dashed line: 10 ms SLO.',
          unit: 's',
          thresholds: [{ value: 0.01, color: 'red' }],
          targets: percentiles(
            'http_request_duration_seconds',
            `${S}, ${OPS_ROUTES}`,
            ['route'],
            '{{route}} ',
          ),
        },
        {
          title: 'Degraded answers',
          description:
            'Answers per second missing a shard: partial (asked for with ?partial=true) or unavailable (503).',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (kind) (rate(store_degraded_answers_total{${S}}[$__rate_interval]))`,
              legend: '{{kind}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Shards',
      panels: [
        {
          title: 'Shard query latency p99',
          description: 'p99 per shard, query (top_items, top_stores) and target (primary, replica).',
          unit: 's',
          thresholds: [{ value: 0.01, color: 'red' }],
          targets: [
            {
              expr: quantile(0.99, 'store_shard_query_duration_seconds', S, ['shard', 'query', 'target']),
              legend: 'shard {{shard}} {{query}} {{target}}',
            },
          ],
        },
        {
          title: 'Shard query latency p50',
          description: 'Median per shard: when p99 is far above it, the tail is what hedging is for.',
          unit: 's',
          targets: [
            {
              expr: quantile(0.5, 'store_shard_query_duration_seconds', S, ['shard']),
              legend: 'shard {{shard}}',
            },
          ],
        },
        {
          title: 'Pool wait p99',
          description:
            'Wait for a pooled connection before a query, per shard and target: high here with a fast shard query means the pool (STORE_POOL_SIZE) or the worker, not the database, is the bottleneck.',
          unit: 's',
          targets: [
            {
              expr: quantile(0.99, 'store_pool_wait_seconds', S, ['shard', 'target']),
              legend: 'shard {{shard}} {{target}}',
            },
          ],
        },
        {
          title: 'Hedged requests',
          description:
            'Hedged queries sent to a shard replica per second (after the shard’s recent p95) and how many answered first.',
          unit: 'ops',
          width: 8,
          targets: [
            {
              expr: `sum by (shard) (rate(store_hedged_requests_total{${S}}[$__rate_interval]))`,
              legend: 'sent shard {{shard}}',
            },
            {
              expr: `sum by (shard) (rate(store_hedged_wins_total{${S}}[$__rate_interval]))`,
              legend: 'won shard {{shard}}',
            },
          ],
        },
        {
          title: 'Shard timeouts',
          description: 'Shard queries abandoned at the shard timeout, per second.',
          unit: 'ops',
          width: 8,
          targets: [
            {
              expr: `sum by (shard) (rate(store_shard_timeouts_total{${S}}[$__rate_interval]))`,
              legend: 'shard {{shard}}',
            },
          ],
        },
        {
          title: 'Shards up',
          description: 'Whether each store instance reaches each shard.',
          type: 'stat',
          unit: 'none',
          width: 8,
          upDown: true,
          targets: [
            { expr: `min by (instance, shard) (shard_up{${S}})`, legend: '{{instance}} shard {{shard}}' },
          ],
        },
      ],
    },
    {
      title: 'Cache',
      panels: [
        {
          title: 'Cache lookups by result',
          description:
            'Lookups per second: hit (fresh entry), coalesced (joined a query already in flight), miss (queried the shards).',
          unit: 'ops',
          stack: true,
          targets: [
            {
              expr: `sum by (result) (rate(store_cache_requests_total{${S}}[$__rate_interval]))`,
              legend: '{{result}}',
            },
          ],
        },
        {
          title: 'Cache hit ratio',
          description: 'Share of lookups answered without a shard query (hit or coalesced).',
          unit: 'percentunit',
          min: 0,
          max: 1,
          targets: [
            {
              expr:
                `(sum(rate(store_cache_requests_total{${S}, result=~"hit|coalesced"}[$__rate_interval])) or vector(0))` +
                ` / sum(rate(store_cache_requests_total{${S}}[$__rate_interval]))`,
              legend: 'hit ratio',
            },
          ],
        },
      ],
    },
    processRow(S),
  ],
};

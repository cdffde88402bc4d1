import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeHops } from '../../src/bench/store-hops.js';

const BOUNDS = ['0.0005', '0.001', '0.0075', '0.5', '+Inf'];
const histogram = (name: string, labels: string, counts: readonly number[]) =>
  BOUNDS.map((le, i) => `${name}_bucket{${labels}le="${le}"} ${counts[i]}`).join('\n');

function metrics(n: number, lagP99: number, gc: { minor: number; major: number; seconds: number }): string {
  return [
    histogram('http_request_duration_seconds', 'route="/items/store/:storeID",method="GET",status="200",', [
      0,
      n,
      n,
      n,
      n,
    ]),
    histogram('http_request_duration_seconds', 'route="/items/top10/:itemID",method="GET",status="200",', [
      0,
      0,
      n,
      n,
      n,
    ]),
    histogram('store_pool_wait_seconds', 'shard="0",target="primary",', [n, n, n, n, n]),
    histogram('store_shard_query_duration_seconds', 'shard="0",query="top_items",target="primary",', [
      0,
      n - 1,
      n - 1,
      n,
      n,
    ]),
    `nodejs_eventloop_lag_p99_seconds{service="store"} ${lagP99}`,
    `nodejs_eventloop_lag_max_seconds{service="store"} 0.03`,
    `nodejs_gc_duration_seconds_sum{kind="minor",service="store"} ${gc.seconds}`,
    `nodejs_gc_duration_seconds_count{kind="minor",service="store"} ${gc.minor}`,
    `nodejs_gc_duration_seconds_count{kind="major",service="store"} ${gc.major}`,
  ].join('\n');
}

test('each hop over the window: handler per route, pool wait, shard query, event-loop delay, GC', () => {
  const before = metrics(100, 0.011, { minor: 5, major: 1, seconds: 0.01 });
  const after = metrics(300, 0.0125, { minor: 15, major: 2, seconds: 0.05 });
  const hops = storeHops(before, after);
  assert.deepEqual(hops.handler['GET /items/store'], { count: 200, p50Ms: 1, p99Ms: 1 });
  assert.deepEqual(hops.handler['GET /items/top10'], { count: 200, p50Ms: 7.5, p99Ms: 7.5 });
  assert.deepEqual(hops.poolWait, { count: 200, p50Ms: 0.5, p99Ms: 0.5 });
  assert.deepEqual(hops.shardQuery, { count: 200, p50Ms: 1, p99Ms: 1 });
  // prom-client's lag gauges include its 10 ms sampling interval.
  assert.deepEqual(hops.eventLoopDelayMs, { p99: 2.5, max: 20 });
  assert.deepEqual(hops.gc, { pauses: 11, totalMs: 40, majorPauses: 1 });
});

test('a hop with no observations in the window has no quantiles', () => {
  const same = metrics(100, 0.01, { minor: 1, major: 0, seconds: 0 });
  assert.deepEqual(storeHops(same, same).poolWait, { count: 0, p50Ms: null, p99Ms: null });
});

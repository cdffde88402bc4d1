import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  failureRate,
  latencyPercentiles,
  purchaseFigures,
  rounded,
  summariseLoad,
  sumMetric,
  sustainedRate,
} from '../../src/bench/figures.js';
import type { HttpLoadResult } from '../../src/bench/http-load.js';
import { LatencyLog } from '../../src/stats.js';

const logOf = (values: number[]) => {
  const log = new LatencyLog();
  for (const value of values) log.push(value);
  return log;
};

test('latencyPercentiles: nearest rank, as stats.ts, whatever the order of the samples', () => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
  assert.deepEqual(latencyPercentiles(samples), {
    count: 100,
    p50Ms: 50,
    p90Ms: 90,
    p99Ms: 99,
    p999Ms: 100,
    maxMs: 100,
  });
  // One sample is every percentile.
  assert.deepEqual(latencyPercentiles([7.25]), {
    count: 1,
    p50Ms: 7.25,
    p90Ms: 7.25,
    p99Ms: 7.25,
    p999Ms: 7.25,
    maxMs: 7.25,
  });
});

test('latencyPercentiles: null figures without samples, and rounding to the asked decimals', () => {
  assert.deepEqual(latencyPercentiles([]), {
    count: 0,
    p50Ms: null,
    p90Ms: null,
    p99Ms: null,
    p999Ms: null,
    maxMs: null,
  });
  assert.equal(latencyPercentiles([1.23456]).p50Ms, 1.235);
  assert.equal(latencyPercentiles([1.23456], 2).p50Ms, 1.23);
  assert.equal(rounded(2.5, 0), 3);
});

test('failureRate: non-2xx/404 answers and transport errors of one name over its answers', () => {
  const statuses = new Map([
    ['GET /a 200', 90],
    ['GET /a 404', 5],
    ['GET /a 503', 4],
    ['GET /a error:ECONNRESET', 1],
    ['GET /ab 500', 50],
    ['GET /b 500', 7],
  ]);
  assert.equal(failureRate(statuses, 'GET /a', 99), 0.0505);
  assert.equal(failureRate(statuses, 'GET /b', 0), 7);
  assert.equal(failureRate(new Map(), 'GET /a', 0), 0);
});

test('sumMetric: sums every sample of a metric, labelled or not, matching the filter', () => {
  const text = [
    '# HELP store_cache_requests_total Cache lookups',
    '# TYPE store_cache_requests_total counter',
    'store_cache_requests_total{result="hit",worker="1"} 10',
    'store_cache_requests_total{result="hit",worker="2"} 5',
    'store_cache_requests_total{result="miss",worker="1"} 3',
    'store_cache_requests_total_other 99',
    'consumer_rows_written_total 1234',
  ].join('\n');
  assert.equal(sumMetric(text, 'store_cache_requests_total', 'result="hit"'), 15);
  assert.equal(sumMetric(text, 'store_cache_requests_total'), 18);
  assert.equal(sumMetric(text, 'consumer_rows_written_total'), 1234);
  assert.equal(sumMetric(text, 'absent_total'), 0);
});

test('sustainedRate: the rate between the first readings at 10 % and 90 %', () => {
  const marks: [number, number][] = [
    [0, 0],
    [1000, 50],
    [2000, 150],
    [3000, 500],
    [4000, 950],
    [5000, 1000],
  ];
  // 10 % (100) first reached at 2 s with 150 rows, 90 % (900) at 4 s with 950.
  assert.equal(sustainedRate(marks, 1000), 400);
  // Both thresholds in one reading, or never reached: no sustained rate.
  assert.equal(
    sustainedRate(
      [
        [0, 0],
        [50, 1000],
      ],
      1000,
    ),
    undefined,
  );
  assert.equal(sustainedRate([[0, 10]], 1000), undefined);
});

function loadResult(): HttpLoadResult {
  return {
    seconds: 2,
    samples: new Map([['POST /purchase', logOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]]),
    statuses: new Map([
      ['POST /purchase 201', 8],
      ['POST /purchase 503', 2],
      ['POST /purchase error:ECONNREFUSED', 3],
    ]),
    loadGeneratorCpuSeconds: 0.5,
    cpuSeconds: { target: 1, 'Kafka broker': 0.25 },
  };
}

test('purchaseFigures: throughput of 201s, statuses apart from transport errors, CPU per answer', () => {
  assert.deepEqual(purchaseFigures(loadResult()), {
    seconds: 2,
    requests: 10,
    created: 8,
    throughput: 4,
    statuses: { '201': 8, '503': 2 },
    errors: { ECONNREFUSED: 3 },
    nonCreated: 5,
    latencyMs: { p50: 5, p90: 9, p99: 10, max: 10 },
    loadGeneratorCpuPercent: 25,
    cpuMsPerRequest: { 'load generator': 50, target: 100, 'Kafka broker': 25 },
  });
});

test('summariseLoad: percentiles, rate and failure rate per request name', () => {
  const summary = summariseLoad(loadResult());
  assert.equal(summary.seconds, 2);
  assert.deepEqual(summary.latency['POST /purchase'], {
    count: 10,
    p50Ms: 5,
    p90Ms: 9,
    p99Ms: 10,
    p999Ms: 10,
    maxMs: 10,
    perSecond: 5,
    failureRate: 0.5,
  });
  assert.deepEqual(Object.keys(summary.statuses), [
    'POST /purchase 201',
    'POST /purchase 503',
    'POST /purchase error:ECONNREFUSED',
  ]);
});

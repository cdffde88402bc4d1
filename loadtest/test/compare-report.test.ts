import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregatePoints,
  batchCommand,
  compareTable,
  formatSpread,
  modeLineSpec,
  spread,
  type ComparePoint,
} from '../src/compare-report.js';

const point = (mode: string, clients: number, dir: string, throughput = 100, batch = dir): ComparePoint => ({
  mode,
  clients,
  throughput,
  p50Ms: 10,
  p99Ms: 50,
  failed: 0,
  retries: 2,
  drainS: 1.5,
  cpuMsPerPurchase: 0.25,
  coresUsed: 1.2,
  cpuOverBareRoute: null,
  ledgerOk: true,
  dir,
  commit: 'abc',
  commitDirty: false,
  command: `MODES=${mode} REPETITIONS=1 CLIENTS=${clients} PURCHASES_PER_HOUR=30 make compare`,
  batch,
});

const ORDER = ['kafka-sharded', 'sync-db', 'rabbitmq'];

test('each mode × clients keeps the runs of its latest batch, ordered by mode then clients', () => {
  const cells = aggregatePoints(
    [
      point('rabbitmq', 256, '2026-01-01-rabbitmq-256', 1),
      point('sync-db', 512, '2026-01-01-sync-db-512'),
      point('rabbitmq', 256, '2026-02-01-rabbitmq-256-r1', 2, '2026-02-01T10:00:00Z'),
      point('rabbitmq', 256, '2026-02-01-rabbitmq-256-r2', 4, '2026-02-01T10:00:00Z'),
      point('rabbitmq', 256, '2026-02-01-rabbitmq-256-r3', 3, '2026-02-01T10:00:00Z'),
      point('kafka-sharded', 256, '2026-01-01-kafka-sharded-256'),
      point('sync-db', 256, '2026-01-01-sync-db-256'),
    ],
    ORDER,
  );
  assert.deepEqual(
    cells.map((c) => `${c.mode}/${c.clients}/${c.runs.length}/${c.stats.throughput?.median}`),
    ['kafka-sharded/256/1/100', 'sync-db/256/1/100', 'sync-db/512/1/100', 'rabbitmq/256/3/3'],
  );
  assert.deepEqual(cells[3]!.stats.throughput, { median: 3, min: 2, max: 4 });
});

test('the spread of runs: median of odd and even counts, min and max', () => {
  assert.deepEqual(spread([5, 1, 3]), { median: 3, min: 1, max: 5 });
  assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4 });
  assert.equal(spread([]), null);
  assert.equal(formatSpread({ median: 2, min: 2, max: 2 }, String), '2');
  assert.equal(formatSpread({ median: 2, min: 1, max: 3 }, String), '2 (1–3)');
  assert.equal(
    formatSpread({ median: 0.02, min: 0.01, max: 0.03 }, (v) => v.toFixed(1)),
    '0.0',
  );
});

test('the table has one row per point with the median and spread of its runs', () => {
  const cells = aggregatePoints(
    [
      { ...point('sync-db', 256, 'd', 1234.4), cpuOverBareRoute: 6.5 },
      { ...point('rabbitmq', 512, 'e1', 900, 'b'), drainS: null },
      { ...point('rabbitmq', 512, 'e2', 1100, 'b'), drainS: null, ledgerOk: false },
    ],
    ORDER,
  );
  const lines = compareTable(cells).split('\n');
  assert.equal(lines.length, 4);
  assert.equal(
    lines[2],
    '| sync-db | 256 | 1 | 1,234 | 10.0 | 50.0 | 0 | 2 | 1.5 | 0.250 | 1.20 | 6.50 | ✔ |',
  );
  assert.match(lines[3]!, /^\| rabbitmq \| 512 \| 2 \| 1,000 \(900–1,100\) \| .* \| – \| .* \| – \| ✘ \|$/);
});

test('a plot has one series per mode through the medians, with the min–max of each point', () => {
  const cells = aggregatePoints(
    [point('a', 256, 'x', 5), point('b', 256, 'y1', 7, 'b'), point('b', 256, 'y2', 9, 'b')],
    ['a', 'b'],
  );
  const spec = modeLineSpec(cells, 'throughput', 't', 'y') as {
    data: { values: { mode: string; value: number; min: number; max: number }[] };
  };
  assert.deepEqual(
    spec.data.values.map((v) => [v.mode, v.value, v.min, v.max]),
    [
      ['a', 5, 5, 5],
      ['b', 8, 7, 9],
    ],
  );
});

test('one command names every mode, client count and the most repetitions of the points shown', () => {
  const cells = aggregatePoints(
    [
      point('sync-db', 512, 'a'),
      point('kafka-sharded', 256, 'b1', 1, 'b'),
      point('kafka-sharded', 256, 'b2', 1, 'b'),
      point('kafka-sharded', 512, 'c'),
    ],
    ORDER,
  );
  assert.equal(
    batchCommand(cells),
    'MODES=kafka-sharded,sync-db REPETITIONS=2 CLIENTS=256,512 PURCHASES_PER_HOUR=30 make compare',
  );
  assert.equal(batchCommand([]), '–');
});

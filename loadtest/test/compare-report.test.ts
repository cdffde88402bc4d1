import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTable, latestPoints, modeLineSpec, type ComparePoint } from '../src/compare-report.js';

const point = (mode: string, clients: number, dir: string, throughput = 100): ComparePoint => ({
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
  ledgerOk: true,
  dir,
  commit: 'abc',
  command: 'make compare',
});

test('the latest run of each mode × clients wins, ordered by mode then clients', () => {
  const points = latestPoints(
    [
      point('rabbitmq', 256, '2026-01-01-rabbitmq-256', 1),
      point('sync-db', 512, '2026-01-01-sync-db-512'),
      point('rabbitmq', 256, '2026-02-01-rabbitmq-256', 2),
      point('kafka-sharded', 256, '2026-01-01-kafka-sharded-256'),
      point('sync-db', 256, '2026-01-01-sync-db-256'),
    ],
    ['kafka-sharded', 'sync-db', 'rabbitmq'],
  );
  assert.deepEqual(
    points.map((p) => `${p.mode}/${p.clients}/${p.throughput}`),
    ['kafka-sharded/256/100', 'sync-db/256/100', 'sync-db/512/100', 'rabbitmq/256/2'],
  );
});

test('the table has one row per point with its measurements', () => {
  const table = compareTable([
    point('sync-db', 256, 'd', 1234.4),
    { ...point('rabbitmq', 512, 'e'), drainS: null, ledgerOk: false },
  ]);
  const lines = table.split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[2], '| sync-db | 256 | 1,234 | 10.0 | 50.0 | 0 | 2 | 1.5 | 0.250 | 1.20 | ✔ |');
  assert.match(lines[3]!, /^\| rabbitmq \| 512 .* \| – \| .* \| ✘ \|$/);
});

test('a plot has one series per mode', () => {
  const spec = modeLineSpec([point('a', 256, 'x', 5), point('b', 256, 'y', 7)], 'throughput', 't', 'y') as {
    data: { values: { mode: string; value: number }[] };
  };
  assert.deepEqual(
    spec.data.values.map((v) => [v.mode, v.value]),
    [
      ['a', 5],
      ['b', 7],
    ],
  );
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '@tillstream/config';
import {
  consumerBenchSettings,
  numberOption,
  purchaseBenchOptions,
  storeBenchOptions,
} from '../../src/bench/options.js';
import { REPO_ROOT } from '../../src/paths.js';

test('numberOption: integers and fractions in range, anything else a ConfigError naming the option', () => {
  assert.equal(numberOption('--readers', '100', 1), 100);
  assert.equal(numberOption('--duration-s', '0.5', 0, true), 0.5);
  for (const [value, min, fractional] of [
    ['', 0, true],
    ['abc', 0, true],
    ['1.5', 1, false],
    ['0', 1, false],
    ['-1', 0, true],
    ['Infinity', 0, true],
  ] as const) {
    assert.throws(
      () => numberOption('--x', value, min, fractional),
      (error: unknown) => error instanceof ConfigError && error.message.includes('--x'),
      `${JSON.stringify(value)} accepted`,
    );
  }
});

test('purchase benchmark: the defaults, and the flags override them', () => {
  assert.deepEqual(purchaseBenchOptions([], 2), {
    connections: 256,
    warmupSeconds: 5,
    durationSeconds: 20,
    workers: 2,
    partitions: 12,
    logLevel: 'info',
    out: path.join(REPO_ROOT, 'results', 'bench', 'purchase'),
  });
  const options = purchaseBenchOptions(
    ['--connections', '4', '--warmup', '0', '--duration', '1.5', '--workers=1', '--out', '/tmp/x'],
    8,
  );
  assert.deepEqual(
    [options.connections, options.warmupSeconds, options.durationSeconds, options.workers, options.out],
    [4, 0, 1.5, 1, '/tmp/x'],
  );
  assert.equal(purchaseBenchOptions(['--log-level', 'debug'], 2).logLevel, 'debug');
  assert.throws(() => purchaseBenchOptions(['--log-level', 'verbose'], 2), /--log-level/);
  assert.throws(() => purchaseBenchOptions(['--connections', '0'], 2), ConfigError);
  assert.throws(() => purchaseBenchOptions(['--unknown'], 2), /unknown/i);
});

test('store benchmark: the defaults, the recorded flags as given, and the checks', () => {
  const defaults = storeBenchOptions([]);
  assert.equal(defaults.durationMs, 15_000);
  assert.equal(defaults.warmupMs, 3_000);
  assert.equal(defaults.readers, 100);
  assert.equal(defaults.readerRate, 0);
  assert.equal(defaults.writers, 256);
  assert.equal(defaults.replica, 'streaming');
  assert.equal(defaults.tail, true);
  assert.equal(defaults.purchaseLoad, true);
  assert.equal(defaults.flags['reader-rate'], '0');
  assert.equal(defaults.writeShare, 0.5);
  assert.equal(defaults.readCpuShares, 0);
  assert.equal(defaults.poolSize, 8);
  assert.equal(defaults.visibilityIntervalMs, 250);
  assert.equal(defaults.visibilityPollMs, 20);
  assert.equal(defaults.storeNodeOptions, '');

  const options = storeBenchOptions([
    '--duration-s',
    '0.5',
    '--readers',
    '2',
    '--reader-rate',
    '200',
    '--read-priority=-10',
    '--read-cpu-shares',
    '262144',
    '--write-share',
    '0.25',
    '--pool-size',
    '2',
    '--replica',
    'connection',
    '--no-tail',
    '--no-purchase-load',
    '--visibility-interval-ms',
    '0',
    '--visibility-poll-ms',
    '5',
    '--store-node-options=--max-semi-space-size=32',
    '--note',
    'a busy machine',
  ]);
  assert.equal(options.durationMs, 500);
  assert.equal(options.readers, 2);
  assert.equal(options.readerRate, 200);
  assert.equal(options.readPriority, -10);
  assert.equal(options.readCpuShares, 262144);
  assert.equal(options.writeShare, 0.25);
  assert.equal(options.poolSize, 2);
  assert.equal(options.replica, 'connection');
  assert.equal(options.tail, false);
  assert.equal(options.purchaseLoad, false);
  assert.equal(options.flags['duration-s'], '0.5');
  assert.equal(options.flags['no-tail'], true);
  assert.equal(options.note, 'a busy machine');
  assert.equal(options.visibilityIntervalMs, 0);
  assert.equal(options.visibilityPollMs, 5);
  assert.equal(options.storeNodeOptions, '--max-semi-space-size=32');

  assert.throws(() => storeBenchOptions(['--replica', 'logical']), ConfigError);
  assert.throws(() => storeBenchOptions(['--read-priority=-21']), ConfigError);
  assert.throws(() => storeBenchOptions(['--readers', 'many']), ConfigError);
  assert.throws(() => storeBenchOptions(['--write-share=-1']), ConfigError);
  assert.throws(() => storeBenchOptions(['--read-cpu-shares', '1.5']), ConfigError);
  assert.throws(() => storeBenchOptions(['--visibility-poll-ms', '0']), ConfigError);
  assert.throws(() => storeBenchOptions(['--read-cpu-shares', '1']), /0 or in 2…262144/);
  assert.throws(() => storeBenchOptions(['--pool-size', '0']), ConfigError);
});

test('consumer benchmark: BENCH_* variables over the defaults', () => {
  assert.deepEqual(consumerBenchSettings({}), {
    events: 30_000,
    partitions: 12,
    concurrency: 4,
    ingestRequests: 10_000,
    ingestClients: 64,
  });
  assert.deepEqual(consumerBenchSettings({ BENCH_EVENTS: '1000', BENCH_INGEST_CLIENTS: '2' }), {
    events: 1000,
    partitions: 12,
    concurrency: 4,
    ingestRequests: 10_000,
    ingestClients: 2,
  });
  assert.throws(() => consumerBenchSettings({ BENCH_CONCURRENCY: '0' }), /BENCH_CONCURRENCY/);
});

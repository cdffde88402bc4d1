import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { commandOfRecord, restateCommands } from '../src/recorded-command.js';
import type { RunSummary } from '../src/results.js';
import { DEFAULT_PROFILE, makeProfile } from '../src/workload.js';

const record = (command: string, scenario: string, purchasesPerHour: number, extra: object = {}) =>
  ({
    command,
    scenario,
    clients: 512,
    profile: makeProfile({ ...DEFAULT_PROFILE, stores: 512, purchasesPerHour, storeIdBase: 3000 }),
    retry: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 2000 },
    load: {},
    ...extra,
  }) as unknown as RunSummary;

test('the reproducing command of a record comes from its scenario, clients and profile', () => {
  assert.equal(
    commandOfRecord(record('make experiment (PURCHASES_PER_HOUR=60)', 'pph60', 60)),
    'CLIENTS=512 SCENARIO=pph60 PURCHASES_PER_HOUR=60 make experiment',
  );
  assert.equal(
    commandOfRecord(record('make experiment (defaults)', 'full', 300)),
    'CLIENTS=512 make experiment',
  );
  assert.equal(commandOfRecord(record('make demo (defaults)', 'demo', 20)), 'STORES=512 make demo');
  assert.equal(
    commandOfRecord(record('make compare (MODES=a,b …)', 'sync-db', 30, { compare: { mode: 'sync-db' } })),
    'MODES=sync-db REPETITIONS=1 CLIENTS=512 PURCHASES_PER_HOUR=30 make compare',
  );
});

test('restating rewrites only records whose command differs, keeping the replaced one', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'restate-'));
  try {
    const write = (name: string, summary: RunSummary) => {
      mkdirSync(path.join(dir, name), { recursive: true });
      writeFileSync(path.join(dir, name, 'summary.json'), JSON.stringify(summary));
    };
    write('a-pph60-512', record('make experiment (PURCHASES_PER_HOUR=60)', 'pph60', 60));
    write('b-full-512', record('CLIENTS=512 make experiment', 'full', 300));
    assert.deepEqual(restateCommands(dir), ['a-pph60-512']);
    const restated = JSON.parse(readFileSync(path.join(dir, 'a-pph60-512', 'summary.json'), 'utf8'));
    assert.equal(restated.command, 'CLIENTS=512 SCENARIO=pph60 PURCHASES_PER_HOUR=60 make experiment');
    assert.equal(restated.recordedCommand, 'make experiment (PURCHASES_PER_HOUR=60)');
    assert.deepEqual(restateCommands(dir), [], 'a second pass changes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { addToSummary, runDirectory } from '../src/results.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'results-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a run directory is named by date, scenario, clients and label, and never reuses a recorded one', () => {
  const day = new Date('2026-12-02T07:00:00Z');
  const first = runDirectory(dir, 'compare', 256, day, 'r1');
  assert.equal(path.basename(first), '2026-12-02-compare-256-r1');
  mkdirSync(first);
  const second = runDirectory(dir, 'compare', 256, day, 'r1');
  assert.equal(path.basename(second), '2026-12-02-compare-256-r1-2');
  mkdirSync(second);
  assert.equal(path.basename(runDirectory(dir, 'compare', 256, day, 'r1')), '2026-12-02-compare-256-r1-3');
  assert.equal(path.basename(runDirectory(dir, 'full', 512, day)), '2026-12-02-full-512');
});

test('what a measurement learns after a run is added to its summary.json; the rest is kept', () => {
  const run = path.join(dir, 'summary-add');
  mkdirSync(run);
  writeFileSync(path.join(run, 'summary.json'), JSON.stringify({ clients: 4, cpu: { a: 1 } }));
  addToSummary(run, { calibration: { cpuOverBareRoute: 3 } });
  assert.deepEqual(JSON.parse(readFileSync(path.join(run, 'summary.json'), 'utf8')), {
    clients: 4,
    cpu: { a: 1 },
    calibration: { cpuOverBareRoute: 3 },
  });
});

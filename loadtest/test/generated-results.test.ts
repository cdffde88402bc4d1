// The generated documents under results/ are what their code makes of the committed records: a hand
// edit to results/README.md or results/compare/README.md (or a record changed without regenerating
// them) fails here, and so does a committed plot no code writes. Regenerate with
// `npm run report -w loadtest` and `node loadtest/dist/compare-report.js`.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { generateCompareReport } from '../src/compare-report.js';
import { COMPARE_MODES } from '../src/compare.js';
import { REPO_ROOT } from '../src/paths.js';
import { generateLeversReport } from '../src/levers-report.js';
import { generateStoreReadsReport } from '../src/bench/store-reads-report.js';
import { generateReport } from '../src/report.js';

const committed = path.join(REPO_ROOT, 'results');
const copy = mkdtempSync(path.join(os.tmpdir(), 'generated-results-'));
cpSync(committed, copy, { recursive: true });
after(() => rmSync(copy, { recursive: true, force: true }));

test('results/README.md and results/plots/ are exactly what loadtest/src/report.ts generates', async () => {
  rmSync(path.join(copy, 'plots'), { recursive: true, force: true });
  const generated = await generateReport(copy);
  assert.equal(readFileSync(path.join(committed, 'README.md'), 'utf8'), generated);
  // Every committed plot is regenerated, and identical.
  const plots = readdirSync(path.join(committed, 'plots')).sort();
  assert.deepEqual(readdirSync(path.join(copy, 'plots')).sort(), plots);
  for (const file of plots) {
    assert.equal(
      readFileSync(path.join(committed, 'plots', file), 'utf8'),
      readFileSync(path.join(copy, 'plots', file), 'utf8'),
      file,
    );
  }
});

test('results/compare/README.md is exactly what loadtest/src/compare-report.ts generates', async () => {
  await generateCompareReport(path.join(copy, 'compare'), COMPARE_MODES);
  for (const file of ['README.md', 'plots/throughput.svg', 'plots/p99.svg']) {
    assert.equal(
      readFileSync(path.join(committed, 'compare', file), 'utf8'),
      readFileSync(path.join(copy, 'compare', file), 'utf8'),
      file,
    );
  }
});

test('results/levers/README.md is exactly what loadtest/src/levers-report.ts generates', () => {
  assert.ok(generateLeversReport(path.join(copy, 'levers')) > 0);
  assert.equal(
    readFileSync(path.join(committed, 'levers', 'README.md'), 'utf8'),
    readFileSync(path.join(copy, 'levers', 'README.md'), 'utf8'),
  );
});

test('results/bench/store-reads/README.md is exactly what loadtest/src/bench/store-reads-report.ts generates', () => {
  const dir = path.join(copy, 'bench', 'store-reads');
  assert.ok(generateStoreReadsReport(dir) > 0);
  assert.equal(
    readFileSync(path.join(committed, 'bench', 'store-reads', 'README.md'), 'utf8'),
    readFileSync(path.join(dir, 'README.md'), 'utf8'),
  );
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { leverSettings, loadLeverRuns, renderLevers } from '../src/levers-report.js';

test("a lever's settings are its command's variables beyond the load's own", () => {
  assert.equal(
    leverSettings(
      "RESULTS_DIR=results/levers/x SHARD_PG_OPTIONS='synchronous_commit=off wal_compression=off' MODES=kafka-sharded REPETITIONS=1 CLIENTS=1024 PURCHASES_PER_HOUR=30 make compare",
    ),
    "SHARD_PG_OPTIONS='synchronous_commit=off wal_compression=off'",
  );
  assert.equal(leverSettings('MODES=kafka-sharded CLIENTS=1024 make compare'), '(defaults)');
});

test('each run: CPU by component, summed over processes, and the stack and downstream over the bare route', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'levers-'));
  try {
    const write = (lever: string, run: string, command: string, purchase: number) => {
      mkdirSync(path.join(dir, lever, 'compare', run), { recursive: true });
      const summary = {
        command,
        commit: '0123456789abcdef',
        invariantsHold: true,
        load: { throughputPerSecond: 2000.4, purchases: { failed: 0 } },
        cpu: {
          stack: { msPerPurchase: purchase + 0.4 },
          components: {
            purchase: { msPerPurchase: purchase },
            'kafka-1': { msPerPurchase: 0.1 },
            consumer: { msPerPurchase: 0.1 },
            'shard-0': { msPerPurchase: 0.1 },
            'shard-1': { msPerPurchase: 0.1 },
          },
        },
        compare: { calibrator: { serverCpuMsPerRequest: 0.2 }, cpuOverBareRoute: (purchase + 0.4) / 0.2 },
      };
      writeFileSync(path.join(dir, lever, 'compare', run, 'summary.json'), JSON.stringify(summary));
    };
    write('a-lever', 'r1', 'PURCHASE_WORKERS=1 MODES=kafka-sharded make compare', 0.3);
    write('baseline', 'r1', 'MODES=kafka-sharded make compare', 0.5);
    const runs = loadLeverRuns(dir);
    assert.deepEqual(
      runs.map((r) => r.lever),
      ['baseline', 'a-lever'],
      'the baseline first',
    );
    const table = renderLevers(runs);
    assert.match(
      table,
      /\| baseline \| \[r1\]\(baseline\/compare\/r1\/\) \| `\(defaults\)` \| 2,000 \| 0 \| 0\.900 \| 0\.500 \| 0\.100 \| 0\.100 \| 0\.200 \| 0\.000 \| 0\.200 \| 4\.50× \| 2\.00× \| ✔ \| `01234567` \|/,
    );
    assert.match(table, /\| a-lever \| .* \| `PURCHASE_WORKERS=1` \| .* \| 0\.700 \| 0\.300 \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

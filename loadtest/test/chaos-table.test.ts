import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chaosSection, loadChaosRuns } from '../src/chaos-table.js';

function summary(scenario: string, startedAt: string, ok: boolean, lost: number) {
  return {
    kind: 'chaos',
    scenario,
    startedAt,
    description: `${scenario} things`,
    commit: 'abcdef0123456789',
    faults: [{}, {}],
    load: {
      purchases: { total: 1000, acknowledged: 1000 },
      attempts: { attempts: 1100 },
      firstTryShare: 0.95,
      acknowledgedShare: 1,
    },
    exactlyOnce: { lost, duplicated: 0, misplaced: 0 },
    recovery: { worstS: 4, unrecovered: 0, worstDegradedS: 7 },
    ok,
  };
}

test('the chaos section lists the latest run per scenario with its invariants', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chaos-table-'));
  try {
    const write = (name: string, body: object) => {
      mkdirSync(path.join(dir, 'chaos', name), { recursive: true });
      writeFileSync(path.join(dir, 'chaos', name, 'summary.json'), JSON.stringify(body));
    };
    write('2026-01-01-kill', summary('kill', '2026-01-01T00:00:00Z', false, 3));
    write('2026-01-02-kill', summary('kill', '2026-01-02T00:00:00Z', true, 0));
    write('2026-01-02-shard', summary('shard', '2026-01-02T01:00:00Z', true, 0));
    write('2026-01-02-other', { scenario: 'x' });
    const runs = loadChaosRuns(dir);
    assert.deepEqual(
      runs.map((r) => r.dir),
      ['chaos/2026-01-02-kill', 'chaos/2026-01-02-shard'],
    );
    const text = chaosSection(runs).join('\n');
    assert.match(
      text,
      /\| \[kill\]\(chaos\/2026-01-02-kill\/\) \| 2 \| 1,100 \| 1,000 of 1,000 \| 0 \| 0 \| 95\.00 % \| 100 % \| 7 \| 4 \| ✔ \| `abcdef01` \|/,
    );
    assert.deepEqual(chaosSection([]), []);
    assert.deepEqual(loadChaosRuns(path.join(dir, 'missing')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

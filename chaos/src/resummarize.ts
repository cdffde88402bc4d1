#!/usr/bin/env node
/**
 * Recomputes the throughput measures of recorded chaos runs from their `timeline.csv` (the per-second
 * record every run keeps), for runs recorded before a measure existed, then regenerates
 * results/README.md. Nothing is re-run: `node chaos/dist/resummarize.js [resultsDir]`.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateReport } from '@tillstream/loadtest/report';
import { REPO_ROOT } from '@tillstream/stack';
import { recoveryTime } from './recovery.js';
import { worstRecovery, type FaultResult } from './summary.js';

/** The `acknowledged` column of a timeline.csv, indexed by second. */
export function acknowledgedPerSecond(csv: string): number[] {
  const [header, ...rows] = csv.trim().split('\n');
  const column = header!.split(',').indexOf('acknowledged');
  if (column < 0) throw new Error('timeline.csv has no acknowledged column');
  const perSecond: number[] = [];
  for (const row of rows) {
    const cells = row.split(',');
    perSecond[Number(cells[0])] = Number(cells[column]);
  }
  return Array.from(perSecond, (v) => v ?? 0);
}

async function main(resultsDir: string): Promise<void> {
  const root = path.join(resultsDir, 'chaos');
  for (const name of existsSync(root) ? readdirSync(root).sort() : []) {
    const summaryFile = path.join(root, name, 'summary.json');
    const timelineFile = path.join(root, name, 'timeline.csv');
    if (!existsSync(summaryFile) || !existsSync(timelineFile)) continue;
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as {
      faults: FaultResult[];
      recovery: ReturnType<typeof worstRecovery>;
    };
    const perSecond = acknowledgedPerSecond(readFileSync(timelineFile, 'utf8'));
    const faults = summary.faults.map((f) => ({
      ...f,
      throughput: recoveryTime(perSecond, f.atS, f.atS + f.heldS),
    }));
    writeFileSync(
      summaryFile,
      `${JSON.stringify({ ...summary, faults, recovery: worstRecovery(faults) }, null, 2)}\n`,
    );
    console.log(`${name}: ${faults.map((f) => `${f.kind} degraded ${f.throughput.degradedS} s`).join(', ')}`);
  }
  await generateReport(resultsDir);
}

await main(path.resolve(REPO_ROOT, process.argv[2] ?? 'results'));

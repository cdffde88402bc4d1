/**
 * CPU over a bench phase's measured window, in cores (CPU seconds per second): the whole machine
 * (from /proc/stat), each component of the native stack, the store service the bench started, and
 * the bench process itself (its readers and writers).
 */
import { readFileSync } from 'node:fs';
import { cpuBreakdown, sampleStack, type ComponentSample } from '../component-cpu.js';
import { cpuSecondsOfTrees } from '../process-cpu.js';
import { rounded } from './figures.js';

/** Busy and total clock ticks of the machine so far (the first line of /proc/stat; idle and iowait are not busy). */
export function machineTicks(procStat: string): { readonly busy: number; readonly total: number } {
  const fields = procStat.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((sum, n) => sum + n, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

interface CpuReading {
  readonly at: number;
  readonly machine: { readonly busy: number; readonly total: number };
  readonly stack: ComponentSample | undefined;
  readonly store: number;
  readonly bench: NodeJS.CpuUsage;
}

export interface PhaseCpu {
  /** Share of the machine's CPU time that was busy (0…1). */
  readonly machineBusy: number;
  /** Cores used by each part, e.g. `{ 'shard-0': 0.12, 'bench store': 0.3, bench: 0.2 }`. */
  readonly cores: Readonly<Record<string, number>>;
}

/** Reads the CPU counters now; `finish()` later gives the window's figures. */
export function startPhaseCpu(stackDir: string, storePid: number | undefined): { finish(): PhaseCpu } {
  const read = (): CpuReading => ({
    at: performance.now(),
    machine: machineTicks(readFileSync('/proc/stat', 'utf8')),
    stack: sampleStack(stackDir),
    store: storePid === undefined ? 0 : cpuSecondsOfTrees([storePid]),
    bench: process.cpuUsage(),
  });
  const before = read();
  return {
    finish() {
      const after = read();
      const seconds = (after.at - before.at) / 1000;
      const cores = (cpuSeconds: number) => rounded(cpuSeconds / seconds, 3);
      const byComponent: Record<string, number> = {};
      if (before.stack && after.stack) {
        for (const [name, c] of Object.entries(cpuBreakdown(before.stack, after.stack, 1).components))
          byComponent[name] = cores(c.cpuSeconds);
      }
      if (storePid !== undefined) byComponent['bench store'] = cores(after.store - before.store);
      const bench = process.cpuUsage(before.bench);
      byComponent.bench = cores((bench.user + bench.system) / 1e6);
      const total = after.machine.total - before.machine.total;
      return {
        machineBusy: rounded((after.machine.busy - before.machine.busy) / Math.max(1, total), 3),
        cores: byComponent,
      };
    },
  };
}

/**
 * The machine's scheduling floor: a process that only sleeps 1 ms and wakes up, recording how late
 * each wake-up is. Run beside a load, its lateness is what any process on the machine waits for a core
 * before it can start answering, a floor under every latency measured there.
 *
 *   node loadtest/dist/bench/scheduler-probe.js <warmupMs> <durationMs>   → a JSON summary on stdout
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runIfEntry } from '../entry.js';
import { LatencyLog } from '../stats.js';
import { latencyPercentiles, type PercentileSummary } from './figures.js';

/** Sleeps 1 ms at a time for `warmupMs` + `durationMs`; the percentiles of the lateness after the warm-up. */
export async function probeScheduler(warmupMs: number, durationMs: number): Promise<PercentileSummary> {
  const lateness = new LatencyLog();
  const recordFrom = performance.now() + warmupMs;
  const end = recordFrom + durationMs;
  for (let now = performance.now(); now < end; now = performance.now()) {
    await sleep(1);
    const late = performance.now() - now - 1;
    if (now >= recordFrom) lateness.push(Math.max(0, late));
  }
  return latencyPercentiles(lateness.values());
}

runIfEntry(import.meta.url, async () => {
  const [warmupMs, durationMs] = process.argv.slice(2).map(Number);
  process.stdout.write(`${JSON.stringify(await probeScheduler(warmupMs ?? 0, durationMs ?? 0))}\n`);
  return 0;
});

#!/usr/bin/env node
// The machine's scheduling floor: a process that only sleeps 1 ms and wakes up, recording how late each
// wake-up is. Run beside a load, its lateness is what any process on the machine waits for a core
// before it can start answering — a floor under every latency measured there.
//   node scheduler-probe.mjs <warmupMs> <durationMs>   → prints a JSON summary on stdout
import { setTimeout as sleep } from 'node:timers/promises';
import { summarise } from './load.mjs';

const [warmupMs, durationMs] = process.argv.slice(2).map(Number);
const samples = [];
const recordFrom = performance.now() + warmupMs;
const end = recordFrom + durationMs;
for (let now = performance.now(); now < end; now = performance.now()) {
  await sleep(1);
  const late = performance.now() - now - 1;
  if (now >= recordFrom) samples.push(Math.max(0, late));
}
process.stdout.write(`${JSON.stringify(summarise(samples))}\n`);

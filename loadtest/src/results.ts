/**
 * A run's record under results/<date>-<scenario>-<clients>/: summary.json (numbers, config, command,
 * commit, machine), requests.csv[.gz] (every attempt) and lag.csv (consumer lag over the run).
 */
import type { Calibration } from './calibrator.js';
import type { CpuBreakdown } from './component-cpu.js';
import type { Freshness } from './freshness.js';
import type { Visibility } from './visibility.js';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LagSample } from './consumer-lag.js';
import type { LoadRunResult } from './runner.js';
import type { DrainResult, VerifyReport } from './verify.js';
import type { WorkloadProfile } from './workload.js';
import type { RetryPolicy } from './retry-policy.js';

export interface MachineInfo {
  readonly platform: string;
  readonly release: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cpus: number;
  readonly totalMemoryGiB: number;
  /** 1-minute load average when the run started: how busy the box already was. */
  readonly loadAverageAtStart: number;
  readonly node: string;
}

export interface RunSummary {
  readonly scenario: string;
  readonly clients: number;
  readonly runId: string;
  /** A shell command that reproduces this run (the variables that differ from its defaults). */
  readonly command: string;
  /** HEAD when the run started. */
  readonly commit: string;
  readonly commitDirty: boolean;
  /** SHA-256 of `git diff HEAD --binary` when the tree had uncommitted changes (ALLOW_DIRTY=1). */
  readonly diffSha256?: string;
  readonly machine: MachineInfo;
  readonly profile: WorkloadProfile;
  readonly retry: RetryPolicy;
  readonly targets: {
    readonly purchaseUrl: string;
    readonly storeUrl?: string;
    readonly shards: number;
    readonly partitions: number;
  };
  readonly load: LoadRunResult;
  readonly drain: DrainResult | null;
  readonly verify: VerifyReport | null;
  readonly lag: { readonly samples: number; readonly max: number; readonly intervalMs: number };
  readonly files: { readonly records: string; readonly lag: string };
  /** Both invariants of a published run: zero failed purchases after retries, ledger == shards. */
  readonly invariantsHold: boolean;
  /**
   * CPU of each stack component from just before the load to after the checks (a native stack only;
   * absent in older records and for compose or Kubernetes targets). The load client's is `load.runnerCpu`.
   */
  readonly cpu?: CpuBreakdown;
  /**
   * `cpu.stack.msPerPurchase` and the throughput as multiples of the bare express route measured
   * right after the run (`make experiment`; the comparison records its own under `compare`).
   */
  readonly calibration?: Calibration;
  /**
   * Receipt (the event's receivedAt) to shard commit for the run's purchases, from the consumer's histogram read before
   * the load and after the drain (absent when the consumer's metrics were not reachable).
   */
  readonly freshness?: Freshness;
  /** 201 to Store API, measured by the visibility probe during the load (absent without a Store API or with the probe off). */
  readonly visibility?: Visibility;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: os.availableParallelism(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    node: process.version,
  };
}

/** results/<yyyy-mm-dd>-<scenario>-<clients>[-<label>]; a rerun on the same day replaces that directory. */
export function runDirectory(
  resultsDir: string,
  scenario: string,
  clients: number,
  date: Date,
  label?: string,
): string {
  const name = `${date.toISOString().slice(0, 10)}-${scenario}-${clients}${label ? `-${label}` : ''}`;
  // A record is never overwritten: a second run of the same name on the same day gets `-2`, `-3`, …
  let dir = path.join(resultsDir, name);
  for (let n = 2; existsSync(dir); n++) dir = path.join(resultsDir, `${name}-${n}`);
  return dir;
}

export function prepareRunDirectory(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

export function lagCsv(samples: readonly LagSample[]): string {
  return `tMs,lag\n${samples.map((s) => `${s.tMs},${s.lag}\n`).join('')}`;
}

/** Adds `fields` to the summary.json of the run in `dir` (what a measurement learns after the run). */
export function addToSummary(dir: string, fields: Readonly<Record<string, unknown>>): void {
  const file = path.join(dir, 'summary.json');
  const written = JSON.parse(readFileSync(file, 'utf8')) as object;
  writeFileSync(file, `${JSON.stringify({ ...written, ...fields }, null, 2)}\n`);
}

export function writeRunFiles(dir: string, summary: RunSummary, lag: readonly LagSample[]): void {
  writeFileSync(path.join(dir, 'lag.csv'), lagCsv(lag));
  writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
}

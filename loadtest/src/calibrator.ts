/**
 * The calibrator: the bare express 201 route of the purchase bench (bench/bare-route.ts — the
 * purchase path, the same JSON body parser, a cluster worker per core) under a closed-loop
 * load on the same machine, measured right after a run while the stack is idle. Machines of one kind
 * differ severalfold in speed, so a run's stack CPU per purchase and its throughput are also stated as
 * multiples of the bare route's server CPU per request and of its requests per second, measured
 * minutes apart on the same machine.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { waitForHttp } from '@tillstream/stack';
import { freePort } from '@tillstream/stack/harness';
import { httpLoad } from './bench/http-load.js';
import { keyedPurchaseRequests } from './bench/purchases.js';
import { REPO_ROOT } from './paths.js';
import { cpuSecondsOfTrees } from './process-cpu.js';

/**
 * The bare route's workers: one per core, its cheapest layout per request under load on this machine,
 * whatever the measured stack runs (so a change of the stack's process layout cannot move the yardstick).
 */
export const CALIBRATOR_WORKERS = os.availableParallelism();

export interface CalibratorOptions {
  readonly connections: number;
  readonly workers: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface CalibratorResult extends CalibratorOptions {
  readonly seconds: number;
  readonly created: number;
  readonly requestsPerSecond: number;
  /** CPU of the bare route's processes (primary and workers) per answered request. */
  readonly serverCpuMsPerRequest: number;
}

export interface CalibratedRatios {
  /** Stack CPU per acknowledged purchase over the bare route's server CPU per request. */
  readonly cpuOverBareRoute: number;
  /** Purchases per second over the bare route's requests per second. */
  readonly throughputOverBareRoute: number;
}

/** A run stated as multiples of the bare route measured right after it. */
export interface Calibration extends CalibratedRatios {
  readonly calibrator: CalibratorResult;
}

export function calibratedRatios(
  stackCpuMsPerPurchase: number,
  purchasesPerSecond: number,
  calibrator: Pick<CalibratorResult, 'serverCpuMsPerRequest' | 'requestsPerSecond'>,
): CalibratedRatios {
  return {
    cpuOverBareRoute: stackCpuMsPerPurchase / calibrator.serverCpuMsPerRequest,
    throughputOverBareRoute: purchasesPerSecond / calibrator.requestsPerSecond,
  };
}

/** Runs `use` against the bare route, started for it with `workers` cluster workers, then stops the route. */
export async function withBareRoute<T>(
  workers: number,
  use: (url: string, pid: number) => Promise<T>,
): Promise<T> {
  const port = await freePort();
  // The compiled route (make build), also when this module runs from its TypeScript source.
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'loadtest', 'dist', 'bench', 'bare-route.js')],
    {
      env: { ...process.env, WORKERS: String(workers), PORT: String(port), HOST: '127.0.0.1' },
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/readyz`, 30_000);
    return await use(url, child.pid!);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** Starts the bare route, loads it, stops it. */
export async function measureCalibrator(options: CalibratorOptions): Promise<CalibratorResult> {
  return withBareRoute(options.workers, async (url, pid) => {
    const result = await httpLoad({
      baseUrl: url,
      clients: options.connections,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      next: keyedPurchaseRequests(`calibrator-${process.pid}-${Date.now()}`),
      cpuSeconds: () => ({ server: cpuSecondsOfTrees([pid]) }),
    });
    let created = 0;
    for (const [key, count] of result.statuses) if (key.endsWith(' 201')) created += count;
    return {
      ...options,
      seconds: result.seconds,
      created,
      requestsPerSecond: created / result.seconds,
      serverCpuMsPerRequest: ((result.cpuSeconds.server ?? 0) * 1000) / Math.max(1, created),
    };
  });
}

/**
 * The bare route measured right after a run with as many clients for `seconds`, and the run's stack
 * CPU per purchase and throughput as multiples of it; undefined when `seconds` is 0.
 */
export async function calibrateRun(
  run: {
    readonly clients: number;
    readonly stackCpuMsPerPurchase: number;
    readonly purchasesPerSecond: number;
  },
  seconds: number,
): Promise<Calibration | undefined> {
  if (seconds === 0) return undefined;
  const calibrator = await measureCalibrator({
    connections: run.clients,
    workers: CALIBRATOR_WORKERS,
    warmupMs: 2_000,
    durationMs: seconds * 1000,
  });
  return {
    calibrator,
    ...calibratedRatios(run.stackCpuMsPerPurchase, run.purchasesPerSecond, calibrator),
  };
}

import cluster from 'node:cluster';
import { serveClusterMetrics, type Logger } from '@tillstream/observability';

/** What a worker hands back: how to stop it gracefully. */
export type Stop = () => Promise<void>;

/** What `start` may ask of the process it runs in. */
export interface Lifecycle {
  /**
   * Stops the service as a signal would, then exits 1: for a component that found it cannot go on
   * (a consumer whose group crashed). Asked during start, the stop runs once start has returned.
   */
  fail(reason: string): void;
}

export interface ClusterOptions {
  /** Worker processes; 1 runs the service in this process without a cluster. */
  readonly workers: number;
  /** How long a graceful stop may take before the process exits anyway. */
  readonly shutdownTimeoutMs: number;
  readonly log: Logger;
  /** Starts one worker's share of the service; a start that throws exits 1. */
  readonly start: (lifecycle: Lifecycle) => Promise<Stop>;
}

/**
 * Runs `start` in `workers` processes (node:cluster shares the listening port), replaces a worker
 * that dies, and on SIGTERM/SIGINT stops every worker gracefully within the timeout. The one
 * lifecycle of every service: a signal or `fail` runs the worker's Stop once, and the process exits
 * 0 after a signal, 1 after `fail`, a failed start, a failed stop or a stop past the timeout.
 */
export async function runService(options: ClusterOptions): Promise<void> {
  if (options.workers > 1 && cluster.isPrimary) {
    runPrimary(options);
    return;
  }
  const { log } = options;
  let stop: Stop | undefined;
  let started = false;
  let exitCode: number | undefined;
  const runStop = () => {
    (stop ?? (() => Promise.resolve()))().then(
      () => process.exit(exitCode ?? 0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const shutdown = (reason: string, code: number) => {
    if (exitCode !== undefined) return;
    exitCode = code;
    log.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, options.shutdownTimeoutMs);
    timer.unref();
    if (started) runStop();
  };
  const onSignal = (signal: NodeJS.Signals) => shutdown(signal, 0);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A worker whose primary died must not linger.
  if (cluster.isWorker) process.on('disconnect', () => onSignal('SIGTERM'));
  try {
    stop = await options.start({ fail: (reason) => shutdown(reason, 1) });
  } catch (error) {
    log.fatal({ err: (error as Error).message, code: (error as { code?: unknown }).code }, 'start failed');
    process.exit(1);
  }
  started = true;
  if (exitCode !== undefined) runStop();
}

function runPrimary(options: ClusterOptions): void {
  const { log } = options;
  let stopping = false;
  serveClusterMetrics();
  const fork = () => cluster.fork();
  for (let i = 0; i < options.workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.warn({ workerPid: worker.process.pid, code, signal }, 'worker died; starting a replacement');
    setTimeout(fork, 200);
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      log.error('workers did not stop in time; killing them');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, options.shutdownTimeoutMs);
    timer.unref();
    const check = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        clearInterval(check);
        process.exit(0);
      }
    }, 50);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

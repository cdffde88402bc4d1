import cluster from 'node:cluster';
import { serveClusterMetrics, type Logger } from '@tillstream/observability';

/** What a worker hands back: how to stop it gracefully. */
export type Stop = () => Promise<void>;

export interface ClusterOptions {
  /** Worker processes; 1 runs the service in this process without a cluster. */
  readonly workers: number;
  /** How long a graceful stop may take before the process exits anyway. */
  readonly shutdownTimeoutMs: number;
  readonly log: Logger;
  /** Starts one worker's share of the service. */
  readonly start: () => Promise<Stop>;
}

/**
 * Runs `start` in `workers` processes (node:cluster shares the listening port), replaces a worker
 * that dies, and on SIGTERM/SIGINT stops every worker gracefully within the timeout.
 */
export async function runService(options: ClusterOptions): Promise<void> {
  if (options.workers > 1 && cluster.isPrimary) {
    runPrimary(options);
    return;
  }
  const stop = await options.start();
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    options.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      options.log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, options.shutdownTimeoutMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        options.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A worker whose primary died must not linger.
  if (cluster.isWorker) process.on('disconnect', () => onSignal('SIGTERM'));
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

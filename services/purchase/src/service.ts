/**
 * The purchase service's process, given its parsed config: in each cluster worker it builds the real
 * dependencies (clock, id generator, micro-batcher, metrics, the publisher it is given) and the HTTP
 * app. The composition roots pick the publisher: Kafka for the design (main.ts), a baseline's own
 * (baselines/main.ts).
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { closeServer, listen, runService, type Stop } from '@tillstream/http-kit';
import {
  createHttpMetrics,
  createLogger,
  createRegistry,
  metricsText,
  type Logger,
} from '@tillstream/observability';
import { apiKeyAuthenticator } from './auth.js';
import { MicroBatcher, type BatcherClock } from './domain/batcher.js';
import type { PurchaseConfig } from './config.js';
import { createPurchaseApp } from './http.js';
import { createPurchaseMetrics } from './metrics.js';
import type { OutgoingMessage, Publisher } from './types.js';
import { purchaseIdGenerator } from './domain/purchase-id.js';
import { heldBytesOf } from './domain/purchase-message.js';
import { RecentIdempotencyKeys } from './domain/recent-keys.js';

/** How a composition root supplies the publisher, and the batches it takes (one per worker). */
export type CreatePublisher = (
  config: Readonly<PurchaseConfig>,
  log: Logger,
  onConnectedChange: (connected: boolean) => void,
) => { publisher: Publisher; batch: PurchaseConfig['batch'] };

/** Real timers and a monotonic clock, for the batcher. */
const realClock: BatcherClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => performance.now(),
};

async function startWorker(
  config: Readonly<PurchaseConfig>,
  log: Logger,
  createPublisher: CreatePublisher,
): Promise<Stop> {
  const registry = createRegistry('purchase');
  const metrics = createPurchaseMetrics(registry);
  const { publisher, batch } = createPublisher(config, log, (connected) =>
    metrics.producerConnected.set(connected ? 1 : 0),
  );
  const batcher = new MicroBatcher<OutgoingMessage>({
    ...batch,
    clock: realClock,
    maxInFlight: config.maxInFlight,
    maxInFlightBytes: config.maxInFlightBytes,
    timeoutMs: config.publishTimeoutMs,
    send: (messages, report) => publisher.send(messages, report),
    sizeOf: heldBytesOf,
    onBatchSettled: ({ size, stored, seconds }) => {
      metrics.batchSize.observe(size);
      metrics.produceDuration.observe(seconds);
      metrics.eventsProduced.inc(stored);
    },
    onInFlightChange: (inFlight, bytes) => {
      metrics.inFlight.set(inFlight);
      metrics.inFlightBytes.set(bytes);
    },
  });
  let stopping = false;
  const app = createPurchaseApp({
    log,
    publish: (message) => batcher.submit(message),
    isKafkaConnected: () => publisher.isConnected(),
    isAtCapacity: () => batcher.atCapacity,
    isStopping: () => stopping,
    authenticator: apiKeyAuthenticator(config.apiKeys),
    newPurchaseId: purchaseIdGenerator(),
    recentKeys: new RecentIdempotencyKeys(config.idempotencyKeysRemembered),
    now: () => new Date(),
    metrics,
    httpMetrics: createHttpMetrics(registry),
    metricsText: () => metricsText(registry),
    retryAfterSeconds: config.retryAfterSeconds,
  });
  publisher.start();
  await waitUntil(() => publisher.isConnected(), config.startupKafkaWaitMs);
  if (!publisher.isConnected()) log.warn('Kafka is not reachable yet; listening anyway (answering 503)');
  const server: Server = await listen(app, config.port, config.host);
  // Bounds on what clients can make a worker hold: connections (each may be sending a 64 KiB body)
  // and how long a slow client may take to send its headers or its whole request.
  server.maxConnections = config.http.maxConnections;
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = config.http.requestTimeoutMs;
  log.info({ port: config.port, host: config.host }, 'purchase service listening');

  return async () => {
    stopping = true;
    const deadline = Date.now() + config.shutdownTimeoutMs - 500;
    // Requests in flight settle within publishTimeoutMs (the batcher's bound); wait that long for them.
    await closeServer(server, Math.min(config.publishTimeoutMs + 500, (deadline - Date.now()) / 2));
    await withDeadline(batcher.close(), deadline);
    await withDeadline(publisher.close(), deadline);
    log.info('purchase service stopped');
  };
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
}

function withDeadline(work: Promise<void>, deadline: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Runs the purchase service with the publisher `createPublisher` builds in each worker; `describe` is
 * logged at start beside the config (what the publisher writes to, passwords redacted).
 */
export async function runPurchaseService(
  config: Readonly<PurchaseConfig>,
  createPublisher: CreatePublisher,
  describe: Record<string, unknown> = {},
): Promise<void> {
  const log = createLogger('purchase', config.logLevel);
  log.info({ config, ...describe }, 'starting');
  if (config.auth === 'off' && cluster.isPrimary) {
    log.warn(
      { auth: 'off', ignoredApiKeys: config.ignoredApiKeys },
      'PURCHASE_AUTH=off: purchases are accepted without an API key (the CS6650-compatible mode)' +
        (config.ignoredApiKeys > 0 ? '; the configured PURCHASE_API_KEYS are ignored' : ''),
    );
  }
  if (cluster.isPrimary && config.workers > 1 && config.workerHeapMb > 0) {
    cluster.setupPrimary({ execArgv: [...process.execArgv, `--max-old-space-size=${config.workerHeapMb}`] });
  }
  await runService({
    workers: config.workers,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    log,
    start: () => startWorker(config, log, createPublisher),
  });
}

/**
 * The composition root: parses the config once, then in each cluster worker builds the real
 * dependencies (clock, id generator, Kafka publisher, micro-batcher, metrics) and the HTTP app.
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { ConfigError } from '@tillstream/config';
import { closeServer, listen, runService, type Stop } from '@tillstream/http-kit';
import {
  createHttpMetrics,
  createLogger,
  createRegistry,
  metricsText,
  type Logger,
} from '@tillstream/observability';
import { apiKeyAuthenticator } from './auth.js';
import { MicroBatcher } from './batcher.js';
import { loadPurchaseConfig, type PurchaseConfig } from './config.js';
import { createPurchaseApp } from './http.js';
import { createPurchaseMetrics } from './metrics.js';
import { publisherForMode } from './publishers/by-mode.js';
import type { OutgoingMessage } from './publisher.js';
import { purchaseIdGenerator } from './purchase-id.js';
import { heldBytesOf } from './purchase-message.js';
import { RecentIdempotencyKeys } from './recent-keys.js';

async function startWorker(config: PurchaseConfig, log: Logger): Promise<Stop> {
  const registry = createRegistry('purchase');
  const metrics = createPurchaseMetrics(registry);
  // MODE picks Kafka (the design) or a baseline's publisher (sync-db, rabbitmq).
  const { publisher, batch } = publisherForMode(config, log, (connected) =>
    metrics.producerConnected.set(connected ? 1 : 0),
  );
  const batcher = new MicroBatcher<OutgoingMessage>({
    ...batch,
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

async function main(): Promise<void> {
  let config: Readonly<PurchaseConfig>;
  try {
    config = loadPurchaseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger('purchase', config.logLevel);
  log.info({ config, mode: config.baseline.mode, ...config.baseline.redacted }, 'starting');
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
    start: () => startWorker(config, log),
  });
}

await main();

import type { Server } from 'node:http';
import { boundPort, closeServer, listen } from '@tillstream/http-kit';
import { createHttpMetrics, createRegistry, type Logger } from '@tillstream/observability';
import { apiKeyAuthenticator } from '../../src/auth.js';
import { createPurchaseApp, type PurchaseAppDeps } from '../../src/http.js';
import { createPurchaseMetrics } from '../../src/metrics.js';
import type { OutgoingMessage } from '../../src/types.js';
import { purchaseIdGenerator } from '../../src/domain/purchase-id.js';
import { RecentIdempotencyKeys } from '../../src/domain/recent-keys.js';

export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string | undefined;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/**
 * A Logger that records every line at `minimum` or above (pino's order), for assertions on audit and
 * error logs.
 */
export function recordingLogger(lines: LogLine[], minimum = 'trace'): Logger {
  const isLevelEnabled = (level: string) => LEVELS.indexOf(level) >= LEVELS.indexOf(minimum);
  const at =
    (level: string) =>
    (fieldsOrMessage?: unknown, message?: string): void => {
      if (!isLevelEnabled(level)) return;
      if (typeof fieldsOrMessage === 'string') lines.push({ level, fields: {}, message: fieldsOrMessage });
      else lines.push({ level, fields: (fieldsOrMessage ?? {}) as Record<string, unknown>, message });
    };
  const logger = {
    isLevelEnabled,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    trace: at('trace'),
    fatal: at('fatal'),
    child: () => logger,
  };
  return logger as unknown as Logger;
}

export interface TestApp {
  readonly url: string;
  readonly published: OutgoingMessage[];
  readonly logs: LogLine[];
  readonly metricsText: () => Promise<string>;
  close(): Promise<void>;
}

/**
 * The real HTTP app on port 0 with an in-memory publisher (acknowledges at once unless `publish` is
 * overridden), a fixed clock and sequential random ids.
 */
export async function startTestApp(
  overrides: Partial<PurchaseAppDeps> & { apiKeys?: string[]; logLevel?: string } = {},
) {
  const published: OutgoingMessage[] = [];
  const logs: LogLine[] = [];
  const registry = createRegistry('purchase');
  let counter = 0;
  const { apiKeys, logLevel, ...rest } = overrides;
  const app = createPurchaseApp({
    log: recordingLogger(logs, logLevel),
    publish: async (message) => {
      published.push(message);
    },
    isKafkaConnected: () => true,
    isAtCapacity: () => false,
    isStopping: () => false,
    authenticator: apiKeyAuthenticator(apiKeys ?? []),
    newPurchaseId: purchaseIdGenerator(
      () => `00000000-0000-7000-8000-${String(++counter).padStart(12, '0')}`,
    ),
    recentKeys: new RecentIdempotencyKeys(1_000),
    now: () => new Date('2021-06-01T12:00:00.000Z'),
    metrics: createPurchaseMetrics(registry),
    httpMetrics: createHttpMetrics(registry),
    metricsText: () => registry.metrics(),
    retryAfterSeconds: 2,
    ...rest,
  });
  const server: Server = await listen(app, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${boundPort(server)}`,
    published,
    logs,
    metricsText: () => registry.metrics(),
    close: () => closeServer(server, 100),
  } satisfies TestApp;
}

export const PURCHASE_PATH = '/purchase/7/customer/9/date/20210101';

/** POSTs a JSON body (or a raw string) to the app. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

import express, { type Express, type Request, type RequestHandler } from 'express';
import {
  errorHandler,
  httpMetricsMiddleware,
  methodNotAllowed,
  notFound,
  requestId,
} from '@tillstream/http-kit';
import { METRICS_CONTENT_TYPE, type HttpMetrics, type Logger } from '@tillstream/observability';
import { EventHeaders, parseTraceparent } from '@tillstream/contract';
import type { ApiKeyAuthenticator } from './auth.js';
import { BatcherClosedError, InFlightLimitError } from './domain/batcher.js';
import { purchaseErrors } from './errors.js';
import type { PurchaseMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import type { OutgoingMessage } from './types.js';
import { checkIdempotencyKey, type PurchaseIdGenerator } from './domain/purchase-id.js';
import { toPurchaseMessage } from './domain/purchase-message.js';
import type { RecentIdempotencyKeys } from './domain/recent-keys.js';
import { validateBody, validatePath, type PurchasePath } from './domain/purchase-request.js';

/** Largest accepted body: a 1000-item purchase fits comfortably. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export const PURCHASE_ROUTE = '/purchase/:storeID/customer/:custID/date/:date';

export interface PurchaseAppDeps {
  readonly log: Logger;
  /** Publishes one message; resolves when Kafka acknowledged it (the micro-batcher in production). */
  readonly publish: (message: OutgoingMessage) => Promise<void>;
  readonly isKafkaConnected: () => boolean;
  /** True while the publisher holds as many purchases (or bytes) as it may: new ones are refused unread. */
  readonly isAtCapacity: () => boolean;
  readonly isStopping: () => boolean;
  readonly authenticator: ApiKeyAuthenticator;
  readonly newPurchaseId: PurchaseIdGenerator;
  /** The keys this worker saw recently, to refuse a reused key at once (422). */
  readonly recentKeys: RecentIdempotencyKeys;
  readonly now: () => Date;
  readonly metrics: PurchaseMetrics;
  readonly httpMetrics: HttpMetrics;
  readonly metricsText: () => Promise<string>;
  readonly retryAfterSeconds: number;
}

interface PurchaseLocals {
  path: PurchasePath;
  keyId: string | undefined;
}

export function createPurchaseApp(deps: PurchaseAppDeps): Express {
  const { log, metrics } = deps;
  const retryAfter = { 'Retry-After': String(deps.retryAfterSeconds) };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId);
  app.use(httpMetricsMiddleware(deps.httpMetrics));
  app.use((_req, res, next) => {
    // While stopping, make keep-alive clients reconnect (to another instance) after this answer.
    if (deps.isStopping()) res.setHeader('Connection', 'close');
    next();
  });

  /** 401 unless the request carries a configured API key; returns the key's id. */
  function authenticate(req: Request): string | undefined {
    const result = deps.authenticator.authenticate(req.get('authorization'));
    if (result.ok) return result.keyId;
    metrics.rejected.inc({ reason: 'unauthorized' });
    // The audit trail of refused writes: why, from where, and which key (by id, never the key).
    log.warn(
      {
        audit: 'purchase_unauthorized',
        reason: result.reason,
        remoteAddress: req.socket.remoteAddress ?? null,
        keyId: result.keyId ?? null,
        method: req.method,
        path: req.path,
        reqId: req.id,
      },
      'purchase refused: not authenticated',
    );
    throw purchaseErrors.create('UNAUTHORIZED', result.problem, { 'WWW-Authenticate': 'Bearer' });
  }

  function requireJson(req: Request): void {
    const type = req.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      throw purchaseErrors.create('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
    }
  }

  // Shed load before reading the body: a refused purchase then costs no parsing (Node discards the
  // unread body and keeps the connection), so refusals under overload do not fill the heap.
  function admit(): void {
    if (!deps.isKafkaConnected()) {
      metrics.rejected.inc({ reason: 'kafka_unavailable' });
      throw purchaseErrors.create('KAFKA_UNAVAILABLE', 'Kafka is not reachable', retryAfter);
    }
    if (deps.isAtCapacity()) {
      metrics.rejected.inc({ reason: 'in_flight_limit' });
      throw purchaseErrors.create(
        'IN_FLIGHT_LIMIT',
        'the service holds as many purchases as it may',
        retryAfter,
      );
    }
  }

  // Everything decided from the request line and headers, in this order (401, 400, 415, 503), in one
  // handler: each express layer costs a router step per request on the service's hottest path.
  const checkRequest: RequestHandler = (req, res, next) => {
    const keyId = authenticate(req);
    const path = validatePath(req.params);
    if (!path.ok) throw purchaseErrors.create('INVALID_PATH', path.problems.join('; '));
    requireJson(req);
    admit();
    const locals = res.locals as PurchaseLocals;
    locals.keyId = keyId;
    locals.path = path.value;
    next();
  };

  const parseJson = express.json({ limit: BODY_LIMIT_BYTES, strict: true, type: () => true });

  const writePurchase: RequestHandler = async (req, res) => {
    const { path, keyId } = res.locals as PurchaseLocals;
    const items = validateBody(req.body);
    if (!items.ok) throw purchaseErrors.create('INVALID_BODY', items.problems.join('; '));
    const idempotency = checkIdempotencyKey(req.get('idempotency-key'));
    if (!idempotency.ok) throw purchaseErrors.create('INVALID_IDEMPOTENCY_KEY', idempotency.problem);
    if (!deps.isKafkaConnected()) {
      metrics.rejected.inc({ reason: 'kafka_unavailable' });
      throw purchaseErrors.create('KAFKA_UNAVAILABLE', 'Kafka is not reachable', retryAfter);
    }
    const { purchaseId, idempotencyKeyHash } = deps.newPurchaseId({
      idempotencyKey: idempotency.key,
      apiKeyId: keyId,
      path,
      items: items.value,
    });
    if (
      idempotencyKeyHash !== undefined &&
      deps.recentKeys.use(idempotencyKeyHash, purchaseId) === 'conflict'
    ) {
      metrics.rejected.inc({ reason: 'idempotency_key_reused' });
      log.warn(
        {
          audit: 'idempotency_key_reused',
          idempotencyKeyHash,
          storeId: path.storeId,
          keyId: keyId ?? null,
          reqId: req.id,
        },
        'Idempotency-Key reused with a different request; refused',
      );
      throw purchaseErrors.create(
        'IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key was already used with a different request; use a new key for a new purchase',
      );
    }
    const message = toPurchaseMessage(
      { path, items: items.value, purchaseId, receivedAt: deps.now(), idempotencyKeyHash, apiKeyId: keyId },
      req.get('traceparent'),
    );
    try {
      await deps.publish(message);
    } catch (error) {
      throw publishError(error);
    }
    // The durable record of an accepted write is its event (purchaseId, storeId, receivedAt, the trace
    // and the API key's id in its headers), on the topic before this 201. The log line is a debugging
    // aid: formatting and writing it cost a tenth of the service's CPU per purchase at info.
    if (log.isLevelEnabled('debug')) {
      log.debug(
        {
          audit: 'purchase_accepted',
          purchaseId,
          storeId: path.storeId,
          keyId: keyId ?? null,
          reqId: req.id,
          traceId: parseTraceparent(message.headers[EventHeaders.traceparent])?.traceId,
        },
        'purchase accepted',
      );
    }
    res.status(201).json({ message: 'purchase recorded', purchaseId });
  };

  function publishError(error: unknown) {
    if (error instanceof InFlightLimitError) {
      metrics.rejected.inc({ reason: 'in_flight_limit' });
      return purchaseErrors.create('IN_FLIGHT_LIMIT', error.message, retryAfter);
    }
    if (error instanceof BatcherClosedError) {
      return purchaseErrors.create('SHUTTING_DOWN', 'this instance is stopping', retryAfter);
    }
    metrics.rejected.inc({ reason: 'kafka_unavailable' });
    return purchaseErrors.create(
      'KAFKA_UNAVAILABLE',
      `Kafka did not acknowledge the purchase (${(error as Error).message}); retry with the same Idempotency-Key`,
      retryAfter,
      { cause: error },
    );
  }

  // The purchase route first: express tries the routes in order, so each purchase skips the operational
  // routes' path matching.
  app.post(PURCHASE_ROUTE, checkRequest, parseJson, writePurchase);
  app.all(PURCHASE_ROUTE, methodNotAllowed(['POST']));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const kafkaConnected = deps.isKafkaConnected();
    const ready = kafkaConnected && !deps.isStopping();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', kafkaConnected });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', METRICS_CONTENT_TYPE);
    res.send(await deps.metricsText());
  });
  const document = openApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
    app.all(path, methodNotAllowed(['GET', 'HEAD']));
  }

  app.use(notFound);
  app.use(errorHandler(log));
  return app;
}

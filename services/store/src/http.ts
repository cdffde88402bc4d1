import express, { type Express, type Request } from 'express';
import {
  errorHandler,
  httpMetricsMiddleware,
  methodNotAllowed,
  notFound,
  requestId,
} from '@tillstream/http-kit';
import { ID_RANGE } from '@tillstream/contract';
import { METRICS_CONTENT_TYPE, type HttpMetrics, type Logger } from '@tillstream/observability';
import { parseId, parsePartialFlag } from './domain/ids.js';
import { ShardFailure } from './domain/shard-client.js';
import { decideTopStores, type StoreQueries } from './domain/store-queries.js';
import { errors } from './errors.js';
import type { StoreMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly shards: readonly { readonly shard: number; readonly up: boolean }[];
}

export interface AppDeps {
  readonly queries: StoreQueries;
  readonly readiness: () => Promise<ReadinessReport>;
  readonly storeMetrics: Pick<StoreMetrics, 'degradedAnswer'>;
  readonly httpMetrics: HttpMetrics;
  readonly metricsText: () => Promise<string>;
  readonly retryAfterSeconds: number;
  /** Top-10 requests one worker serves at once; more are answered 503 OVERLOADED at once. */
  readonly maxConcurrentRequests: number;
  readonly log: Logger;
}

/** The HTTP adapter: parses requests, calls the queries, maps outcomes to status codes. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.set('x-powered-by', false);
  // Answers change every second and are cheap; hashing each body for an ETag is not worth it.
  app.set('etag', false);
  app.use(requestId);
  app.use(httpMetricsMiddleware(deps.httpMetrics));

  const unavailable = (failures: readonly ShardFailure[]) => {
    deps.storeMetrics.degradedAnswer('unavailable');
    const detail = failures.map((f) => f.message).join('; ');
    return errors.create(
      'SHARD_UNAVAILABLE',
      `not every shard needed answered (${detail}); retry later`,
      { 'Retry-After': String(deps.retryAfterSeconds) },
      { cause: failures[0] },
    );
  };

  // Bounds the work (and memory) a burst can start in this worker: queries, fan-outs, answers.
  let active = 0;
  app.use('/items', (_req, res, next) => {
    if (active >= deps.maxConcurrentRequests) {
      throw errors.create(
        'OVERLOADED',
        `this worker is answering ${deps.maxConcurrentRequests} requests already; retry later`,
        { 'Retry-After': String(deps.retryAfterSeconds) },
      );
    }
    active++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      active--;
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  });

  const id = (req: Request, name: 'storeID' | 'itemID'): number => {
    const value = parseId(req.params[name]);
    if (value === undefined) {
      throw errors.create(
        'INVALID_ID',
        `${name} must be a decimal integer ${ID_RANGE} (digits only, no sign, fraction or leading zero)`,
      );
    }
    return value;
  };

  app
    .route('/items/store/:storeID')
    .get(async (req, res) => {
      const storeId = id(req, 'storeID');
      let items;
      try {
        items = await deps.queries.topItemsOfStore(storeId);
      } catch (error) {
        if (error instanceof ShardFailure) throw unavailable([error]);
        throw error;
      }
      if (items.length === 0) throw errors.create('STORE_NOT_FOUND', `store ${storeId} has no purchases`);
      res.json({ stores: items });
    })
    .all(methodNotAllowed(['GET']));

  app
    .route('/items/top10/:itemID')
    .get(async (req, res) => {
      const itemId = id(req, 'itemID');
      const partial = parsePartialFlag(req.query.partial);
      if (partial === undefined) throw errors.create('INVALID_QUERY', 'partial must be true or false');
      const result = await deps.queries.topStoresOfItem(itemId);
      const answer = decideTopStores(result, partial);
      switch (answer.kind) {
        case 'not-found':
          throw errors.create('ITEM_NOT_FOUND', `no store has sold item ${itemId}`);
        case 'unavailable':
          throw unavailable(result.failures);
        case 'ok': {
          const { stores, missingShards } = answer;
          if (missingShards === undefined) {
            res.json({ stores });
            return;
          }
          if (missingShards.length > 0) deps.storeMetrics.degradedAnswer('partial');
          res.json({ stores, missingShards });
          return;
        }
      }
    })
    .all(methodNotAllowed(['GET']));

  app
    .route('/healthz')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed(['GET']));

  app
    .route('/readyz')
    .get(async (_req, res) => {
      const report = await deps.readiness();
      res
        .status(report.ready ? 200 : 503)
        .json({ status: report.ready ? 'ready' : 'not ready', shards: report.shards });
    })
    .all(methodNotAllowed(['GET']));

  app
    .route('/metrics')
    .get(async (_req, res) => {
      res.type(METRICS_CONTENT_TYPE).send(await deps.metricsText());
    })
    .all(methodNotAllowed(['GET']));

  app
    .route('/openapi.json')
    .get((_req, res) => {
      res.json(openApiDocument);
    })
    .all(methodNotAllowed(['GET']));

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}

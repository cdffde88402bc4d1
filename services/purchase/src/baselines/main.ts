/**
 * The composition root of the baseline designs `make compare` measures the design against
 * (`node dist/baselines/main.js`, MODE=sync-db or rabbitmq): the same purchase service, HTTP API and
 * guarantees, with the baseline's publisher in place of Kafka. The baselines publish one purchase
 * per call, as the classic designs do: the batcher then acts as the pool's queue (one message per
 * batch, as many sends at once as the pool has connections or channels), keeping the in-flight limit
 * and the timeout.
 */
import { loadOrExit } from '@tillstream/config';
import { loadPurchaseConfig, type PurchaseConfig } from '../config.js';
import { runPurchaseService } from '../service.js';
import { loadBaselineConfig } from './config.js';
import { RabbitMqPublisher } from './rabbitmq.js';
import { SyncDbPublisher } from './sync-db.js';

const config = loadOrExit(loadPurchaseConfig);
const baseline = loadOrExit(loadBaselineConfig);

const oneAtATime = (concurrency: number): PurchaseConfig['batch'] => ({
  maxMessages: 1,
  maxBytes: config.batch.maxBytes,
  lingerMs: 0,
  concurrency,
});

await runPurchaseService(
  config,
  (_config, log, onConnectedChange) => {
    switch (baseline.mode) {
      case 'sync-db':
        return {
          publisher: new SyncDbPublisher({
            url: baseline.dbUrl,
            poolMax: baseline.dbPoolMax,
            connectionTimeoutMs: baseline.connectionTimeoutMs,
            reconnectBackoffMs: baseline.reconnectBackoffMs,
            log,
            onConnectedChange,
          }),
          batch: oneAtATime(baseline.dbPoolMax),
        };
      case 'rabbitmq':
        return {
          publisher: new RabbitMqPublisher({
            url: baseline.rabbitmqUrl,
            queue: baseline.rabbitmqQueue,
            channels: baseline.rabbitmqChannels,
            reconnectBackoffMs: baseline.reconnectBackoffMs,
            log,
            onConnectedChange,
          }),
          batch: oneAtATime(baseline.rabbitmqChannels),
        };
    }
  },
  { baseline: { mode: baseline.mode, ...baseline.redacted } },
);

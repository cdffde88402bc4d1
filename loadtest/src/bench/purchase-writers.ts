/**
 * A worker thread of the store benchmark: the purchase path under load (POST /purchase/…), closed
 * loop or paced at `ratePerClient`, so the readers' latency is measured while Kafka, the consumer and
 * the shards are busy with writes.
 * Posts the load's result (see `summariseLoad`) to its parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { httpLoad } from './http-load.js';
import { purchaseRequest, randomPurchase } from './purchases.js';
import { summariseLoad } from './figures.js';

export interface PurchaseWritersData {
  readonly purchaseUrl: string;
  readonly clients: number;
  /** Purchases per second per client; 0: closed loop. */
  readonly ratePerClient: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly stores: number;
  readonly items: number;
  readonly apiKey?: string;
}

const data = workerData as PurchaseWritersData;
const ranges = {
  stores: data.stores,
  customers: 100_000,
  maxItemId: data.items,
  maxItems: 5,
  maxQuantity: 3,
  date: '20250101',
};
const result = await httpLoad({
  baseUrl: data.purchaseUrl,
  clients: data.clients,
  ratePerClient: data.ratePerClient,
  warmupMs: data.warmupMs,
  durationMs: data.durationMs,
  headers: data.apiKey ? { authorization: `Bearer ${data.apiKey}` } : {},
  next: () => purchaseRequest(randomPurchase(Math.random, ranges)),
});
parentPort!.postMessage(summariseLoad(result));

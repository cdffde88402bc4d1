// Worker thread: the purchase path under load (closed loop of POST /purchase/…), so the readers'
// latency is measured while Kafka, the consumer and the shards are busy with writes.
import { parentPort, workerData } from 'node:worker_threads';
import { httpLoad } from './load.mjs';

const { purchaseUrl, clients, warmupMs, durationMs, stores, items, apiKey } = workerData;
const int = (min, max) => min + Math.floor(Math.random() * (max - min + 1));

const result = await httpLoad({
  baseUrl: purchaseUrl,
  clients,
  warmupMs,
  durationMs,
  headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
  next: () => {
    const lines = Array.from({ length: int(1, 5) }, () => ({
      ItemID: String(int(1, items)),
      numberOfItems: int(1, 3),
    }));
    return {
      name: 'POST /purchase',
      method: 'POST',
      path: `/purchase/${int(1, stores)}/customer/${int(1, 100_000)}/date/20250101`,
      body: JSON.stringify({ items: lines }),
    };
  },
});
parentPort.postMessage(result);

/**
 * The consumer throughput benchmark, in one run on this machine:
 *   (1) the consumer's sustained rows/s draining a pre-filled topic into ONE shard, versus a raw
 *       batched UNNEST insert of the same purchases into the same shard server (target ≥ 0.5×);
 *   (2) that drain rate versus the ingest rate of the purchase service (target ≥ 3×), measured
 *       through its HTTP API when services/purchase is built, else with a kafkajs producer (said so).
 * Writes results/bench/consumer/result.json and result.md with the command, commit and machine.
 *
 *   npx tsc -b services/consumer services/purchase loadtest && node loadtest/dist/bench/consumer.js
 *   BENCH_EVENTS=100000 BENCH_INGEST_REQUESTS=20000 node loadtest/dist/bench/consumer.js
 *   (also BENCH_PARTITIONS, BENCH_CONCURRENCY, BENCH_INGEST_CLIENTS)
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { encodePurchaseEvent, partitionOfStore, storeKey, type PurchaseEvent } from '@tillstream/contract';
import {
  createTestShards,
  createTestTopic,
  startService,
  type TestShards,
  type TestTopic,
} from '@tillstream/stack/harness';
import { runIfEntry } from '../entry.js';
import { REPO_ROOT } from '../paths.js';
import { prng } from '../workload.js';
import { purchaseFigures, sumMetric, sustainedRate } from './figures.js';
import { httpLoad } from './http-load.js';
import { consumerBenchSettings, type ConsumerBenchSettings } from './options.js';
import { purchaseRequest, randomPurchase, type PurchaseRanges } from './purchases.js';
import { benchCommand, commitOf, progress } from './record.js';

/** 1…5 distinct items per purchase (mean 3), like the load test's default. */
const RANGES: PurchaseRanges = {
  stores: 1000,
  customers: 100_000,
  maxItemId: 10_000,
  maxItems: 5,
  maxQuantity: 20,
  date: '20250314',
};

/** A deterministic workload of `count` purchase events. */
function makeEvents(count: number): PurchaseEvent[] {
  const random = prng(42);
  const receivedAt = new Date().toISOString();
  return Array.from({ length: count }, () => {
    const { storeId, customerId, date, items } = randomPurchase(random, RANGES);
    return {
      v: 1,
      purchaseId: randomUUID(),
      storeId,
      customerId,
      date: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}`,
      items: items.map(({ itemId, quantity }) => ({ itemId, quantity })),
      receivedAt,
    };
  });
}

async function metric(url: string, name: string): Promise<number> {
  return sumMetric(await (await fetch(`${url}/metrics`)).text(), name);
}

/** Pre-fills the topic; returns the producer's own rate (messages/s) as a side figure. */
async function prefill(
  topic: TestTopic,
  events: readonly PurchaseEvent[],
  partitions: number,
): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench', brokers: topic.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = performance.now();
  for (let i = 0; i < events.length; i += 1000) {
    await producer.send({
      topic: topic.topic,
      acks: -1,
      messages: events.slice(i, i + 1000).map((e) => ({
        key: storeKey(e.storeId),
        partition: partitionOfStore(e.storeId, { partitionCount: partitions, shardCount: 1 }),
        value: encodePurchaseEvent(e),
        headers: { 'schema-version': '1', 'content-type': 'application/json' },
      })),
    });
  }
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return events.length / seconds;
}

/**
 * The consumer drains the topic into one shard; its sustained rate between 10 % and 90 % of the rows
 * (over the whole drain when one reading saw both).
 */
async function drain(topic: TestTopic, shardUrl: string, count: number, settings: ConsumerBenchSettings) {
  const consumer = await startService('consumer', {
    KAFKA_BROKERS: topic.brokers.join(','),
    KAFKA_TOPIC: topic.topic,
    KAFKA_DLQ_TOPIC: topic.dlqTopic,
    KAFKA_PARTITIONS: String(settings.partitions),
    KAFKA_GROUP_ID: `${topic.topic}-bench`,
    KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: String(settings.concurrency),
    SHARD_URLS: shardUrl,
    SHARD_POOL_MAX: String(settings.concurrency),
    LOG_LEVEL: 'warn',
  });
  try {
    const marks: [number, number][] = [];
    const started = performance.now();
    for (;;) {
      const rows = await metric(consumer.url, 'consumer_rows_written_total');
      marks.push([performance.now(), rows]);
      if (rows >= count) break;
      if (performance.now() - started > 600_000) throw new Error(`drain stalled at ${rows}/${count}`);
      await sleep(50);
    }
    const totalSeconds = (marks.at(-1)![0] - started) / 1000;
    return {
      rowsPerSecond: sustainedRate(marks, count) ?? count / totalSeconds,
      meanBatchSize:
        (await metric(consumer.url, 'consumer_batch_size_sum')) /
        (await metric(consumer.url, 'consumer_batch_size_count')),
      totalSeconds,
    };
  } finally {
    await consumer.stop();
  }
}

/**
 * The same purchases, inserted with batched UNNEST statements and the same concurrency, nothing else.
 * With `withTotals` the baseline also upserts store_item_totals from the same items (the writes the
 * consumer does, without Kafka, decoding, dedup or offsets): the like-for-like comparison.
 */
async function rawInsert(
  shardUrl: string,
  events: readonly PurchaseEvent[],
  batchSize: number,
  concurrency: number,
  withTotals = false,
): Promise<number> {
  const pool = new pg.Pool({ connectionString: shardUrl, max: concurrency });
  const batches: PurchaseEvent[][] = [];
  for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const items = batch.flatMap((e) => e.items.map((i) => [e.purchaseId, i.itemId, i.quantity] as const));
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO purchases (purchase_id, store_id, customer_id, purchase_date, received_at, kafka_partition, kafka_offset)
           SELECT *, 0, 0 FROM unnest($1::uuid[], $2::int[], $3::int[], $4::date[], $5::timestamptz[])`,
          [
            batch.map((e) => e.purchaseId),
            batch.map((e) => e.storeId),
            batch.map((e) => e.customerId),
            batch.map((e) => e.date),
            batch.map((e) => e.receivedAt),
          ],
        );
        await client.query(
          'INSERT INTO purchase_items (purchase_id, item_id, quantity) SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[])',
          [items.map((i) => i[0]), items.map((i) => i[1]), items.map((i) => i[2])],
        );
        if (withTotals) {
          const storeOf = new Map(batch.map((e) => [e.purchaseId, e.storeId]));
          await client.query(
            `INSERT INTO store_item_totals (store_id, item_id, quantity)
             SELECT store_id, item_id, sum(quantity) FROM unnest($1::int[], $2::int[], $3::int[]) AS t(store_id, item_id, quantity)
             GROUP BY store_id, item_id ORDER BY store_id, item_id
             ON CONFLICT (store_id, item_id) DO UPDATE SET quantity = store_item_totals.quantity + EXCLUDED.quantity`,
            [items.map((i) => storeOf.get(i[0])), items.map((i) => i[1]), items.map((i) => i[2])],
          );
        }
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  return events.length / seconds;
}

/** The purchase service's accepted purchases/s through its HTTP API, ingestClients at a time. */
async function purchaseIngest(topic: TestTopic, settings: ConsumerBenchSettings) {
  const service = await startService('purchase', {
    KAFKA_BROKERS: topic.brokers.join(','),
    KAFKA_TOPIC: topic.topic,
    KAFKA_PARTITIONS: String(settings.partitions),
    LOG_LEVEL: 'warn',
  });
  try {
    const random = prng(7);
    const figures = purchaseFigures(
      await httpLoad({
        baseUrl: service.url,
        clients: settings.ingestClients,
        warmupMs: 0,
        requests: settings.ingestRequests,
        next: () => purchaseRequest(randomPurchase(random, RANGES)),
      }),
    );
    return { purchasesPerSecond: figures.throughput, errors: figures.nonCreated };
  } finally {
    await service.stop();
  }
}

async function main(): Promise<number> {
  const settings = consumerBenchSettings(process.env);
  const { events: count, partitions, concurrency } = settings;
  const out = path.join(REPO_ROOT, 'results', 'bench', 'consumer');
  const events = makeEvents(count);
  const made: { remove(): Promise<void> }[] = [];
  /** Remembers a topic or databases to remove at the end, whatever happens. */
  const keep = <T extends TestTopic | TestShards>(resource: T): T => {
    made.push(resource);
    return resource;
  };
  try {
    const topic = keep(await createTestTopic(partitions));
    const consumerShard = keep(await createTestShards(1, partitions));
    const rawShard = keep(await createTestShards(1));
    const rawShardAfter = keep(await createTestShards(1));
    const likeShard = keep(await createTestShards(1));
    const ingestTopic = keep(await createTestTopic(partitions));
    progress(`pre-filling ${topic.topic} with ${count} purchases`);
    const producerRate = await prefill(topic, events, partitions);
    // The partition batches hold count / partitions messages (the topic is pre-filled); the raw insert
    // uses the same batch size, once before and once after the drain so load drift on a shared machine
    // does not favour either side.
    const batchSize = Math.ceil(count / partitions);
    progress(`raw UNNEST insert, batches of ${batchSize}, concurrency ${concurrency}`);
    const rawBefore = await rawInsert(rawShard.urls[0]!, events, batchSize, concurrency);
    progress(`draining into shard 0 with concurrency ${concurrency}`);
    const consumer = await drain(topic, consumerShard.urls[0]!, count, settings);
    progress('raw UNNEST insert again');
    const rawAfter = await rawInsert(rawShardAfter.urls[0]!, events, batchSize, concurrency);
    const raw = (rawBefore + rawAfter) / 2;
    progress('raw UNNEST insert with the totals upsert (like for like)');
    const rawWithTotals = await rawInsert(likeShard.urls[0]!, events, batchSize, concurrency, true);
    let ingest: { source: string; purchasesPerSecond: number; errors: number };
    if (existsSync(path.join(REPO_ROOT, 'services/purchase/dist/main.js'))) {
      progress(
        `purchase service ingest: ${settings.ingestRequests} requests, ${settings.ingestClients} clients`,
      );
      ingest = { source: 'purchase service HTTP API', ...(await purchaseIngest(ingestTopic, settings)) };
    } else {
      ingest = {
        source: 'kafkajs producer (purchase service not built)',
        purchasesPerSecond: producerRate,
        errors: 0,
      };
    }
    const { commit, dirty } = commitOf(['services/consumer']);
    const result = {
      command: benchCommand(import.meta.url, []),
      env: {
        BENCH_EVENTS: count,
        BENCH_PARTITIONS: partitions,
        BENCH_CONCURRENCY: concurrency,
        BENCH_INGEST_REQUESTS: settings.ingestRequests,
        BENCH_INGEST_CLIENTS: settings.ingestClients,
      },
      commit,
      dirty,
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        loadAverage: os.loadavg(),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
      },
      consumer: { ...consumer, meanBatchSize: Math.round(consumer.meanBatchSize) },
      rawUnnestInsert: { rowsPerSecond: raw, before: rawBefore, after: rawAfter, batchSize, concurrency },
      rawUnnestInsertWithTotals: { rowsPerSecond: rawWithTotals, batchSize, concurrency },
      ingest,
      kafkajsProducerRate: producerRate,
      ratios: {
        consumerVsRawInsert: consumer.rowsPerSecond / raw,
        consumerVsRawInsertWithTotals: consumer.rowsPerSecond / rawWithTotals,
        drainVsIngest: consumer.rowsPerSecond / ingest.purchasesPerSecond,
        // For context: against a bare kafkajs producer writing batches of 1000 (no HTTP, no validation).
        drainVsKafkajsProducer: consumer.rowsPerSecond / producerRate,
      },
      targets: { consumerVsRawInsert: 0.5, drainVsIngest: 3 },
    };
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    const r = (n: number) => n.toFixed(2);
    writeFileSync(
      path.join(out, 'result.md'),
      `# Consumer throughput

Command: \`${result.command}\` (${Object.entries(result.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')})
Commit: ${result.commit}${result.dirty ? ' (consumer files modified)' : ''} · ${result.date}
Machine: ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB, ${result.machine.platform}, Node ${result.machine.node}, load average at the end ${result.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}

| measure | rows/s |
| --- | ---: |
| consumer draining a pre-filled topic (${partitions} partitions → 1 shard, ${concurrency} concurrent, mean batch ${result.consumer.meanBatchSize}) | ${f(consumer.rowsPerSecond)} |
| raw batched UNNEST insert, same shard server, batches of ${batchSize}, ${concurrency} connections (mean of ${f(rawBefore)} before and ${f(rawAfter)} after the drain) | ${f(raw)} |
| raw batched UNNEST insert plus the store_item_totals upsert (the consumer's writes), same batches | ${f(rawWithTotals)} |
| ingest: ${ingest.source}${ingest.errors ? `, ${ingest.errors} errors` : ''} | ${f(ingest.purchasesPerSecond)} |
| (kafkajs producer pre-filling the topic, batches of 1000) | ${f(producerRate)} |

| ratio | measured | target |
| --- | ---: | ---: |
| consumer / raw insert | ${r(result.ratios.consumerVsRawInsert)} | ≥ 0.5 |
| consumer / raw insert with totals (like for like) | ${r(result.ratios.consumerVsRawInsertWithTotals)} | — |
| drain / ingest | ${r(result.ratios.drainVsIngest)} | ≥ 3 |
| (drain / bare kafkajs producer) | ${r(result.ratios.drainVsKafkajsProducer)} | — |

The consumer's rows are purchases; each also writes its line items, its totals upserts and the
partition offset; the first raw baseline writes purchases and line items only, the second adds the
totals upsert, so it isolates what Kafka, decoding, dedup and offsets cost. Everything shares
one ${result.machine.cpus}-core machine (Kafka, the PostgreSQL servers, the service and this script).
`,
    );
    console.log(JSON.stringify(result, null, 2));
    return 0;
  } finally {
    await Promise.all(made.map((resource) => resource.remove()));
  }
}

runIfEntry(import.meta.url, main);

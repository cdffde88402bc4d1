#!/usr/bin/env node
// Consumer throughput benchmark, in one run on this machine:
//   (1) the consumer's sustained rows/s draining a pre-filled topic into ONE shard, versus a raw
//       batched UNNEST insert of the same purchases into the same shard server (target ≥ 0.5×);
//   (2) that drain rate versus the ingest rate of the purchase service (target ≥ 3×) — measured
//       through its HTTP API when services/purchase is built, else with a kafkajs producer (said so).
// Writes results/bench/consumer/result.json and result.md with the command, commit and machine.
//
//   npx tsc -b services/consumer services/purchase stack && node services/consumer/bench/bench-consumer.mjs
//   BENCH_EVENTS=100000 BENCH_INGEST_REQUESTS=20000 node services/consumer/bench/bench-consumer.mjs
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { createTestShards, createTestTopic, startService } from '@tillstream/stack/harness';
import { encodePurchaseEvent, partitionOfStore, storeKey } from '@tillstream/contract';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const OUT = path.join(REPO, 'results/bench/consumer');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 30_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 12);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const INGEST_REQUESTS = Number(process.env.BENCH_INGEST_REQUESTS ?? 10_000);
const INGEST_CLIENTS = Number(process.env.BENCH_INGEST_CLIENTS ?? 64);
const STORES = 1000;

const log = (line) => console.error(`[bench] ${line}`);

// Deterministic workload: 1…5 distinct items per purchase (mean 3), like the load test's default.
function makeEvents(count) {
  let seed = 42;
  const rand = (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const receivedAt = new Date().toISOString();
  return Array.from({ length: count }, () => {
    const items = new Map();
    const n = 1 + rand(5);
    while (items.size < n) items.set(1 + rand(10_000), 1 + rand(20));
    return {
      v: 1,
      purchaseId: randomUUID(),
      storeId: 1 + rand(STORES),
      customerId: 1 + rand(100_000),
      date: '2025-03-14',
      items: [...items].map(([itemId, quantity]) => ({ itemId, quantity })),
      receivedAt,
    };
  });
}

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Pre-fills the topic; returns the producer's own rate (messages/s) as a side figure. */
async function prefill(topic, events) {
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
        partition: partitionOfStore(e.storeId, { partitionCount: PARTITIONS, shardCount: 1 }),
        value: encodePurchaseEvent(e),
        headers: { 'schema-version': '1', 'content-type': 'application/json' },
      })),
    });
  }
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return events.length / seconds;
}

/** The consumer drains the topic into one shard; sustained rate between 10 % and 90 % of rows. */
async function drain(topic, shardUrl, count) {
  const consumer = await startService('consumer', {
    KAFKA_BROKERS: topic.brokers.join(','),
    KAFKA_TOPIC: topic.topic,
    KAFKA_DLQ_TOPIC: topic.dlqTopic,
    KAFKA_PARTITIONS: String(PARTITIONS),
    KAFKA_GROUP_ID: `${topic.topic}-bench`,
    KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: String(CONCURRENCY),
    SHARD_URLS: shardUrl,
    SHARD_POOL_MAX: String(CONCURRENCY),
    LOG_LEVEL: 'warn',
  });
  try {
    const marks = [];
    const started = performance.now();
    for (;;) {
      const rows = await metric(consumer.url, 'consumer_rows_written_total');
      marks.push([performance.now(), rows]);
      if (rows >= count) break;
      if (performance.now() - started > 600_000) throw new Error(`drain stalled at ${rows}/${count}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const at = (fraction) => marks.find(([, rows]) => rows >= count * fraction);
    const [t10, r10] = at(0.1);
    const [t90, r90] = at(0.9);
    const batchSum = await metric(consumer.url, 'consumer_batch_size_sum');
    const batchCount = await metric(consumer.url, 'consumer_batch_size_count');
    return {
      rowsPerSecond: (r90 - r10) / ((t90 - t10) / 1000),
      meanBatchSize: batchSum / batchCount,
      totalSeconds: (marks.at(-1)[0] - started) / 1000,
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
async function rawInsert(shardUrl, events, batchSize, withTotals = false) {
  const pool = new pg.Pool({ connectionString: shardUrl, max: CONCURRENCY });
  const batches = [];
  for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      const items = batch.flatMap((e) => e.items.map((i) => [e.purchaseId, i.itemId, i.quantity]));
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
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  return events.length / seconds;
}

/** The purchase service's accepted purchases/s through its HTTP API, INGEST_CLIENTS at a time. */
async function purchaseIngest(topic) {
  const service = await startService('purchase', {
    KAFKA_BROKERS: topic.brokers.join(','),
    KAFKA_TOPIC: topic.topic,
    KAFKA_PARTITIONS: String(PARTITIONS),
    LOG_LEVEL: 'warn',
  });
  try {
    let sent = 0;
    let errors = 0;
    const body = JSON.stringify({
      items: [
        { ItemID: '7', numberOfItems: 2 },
        { ItemID: '9', 'numberOfItems:': 1 },
      ],
    });
    const client = async () => {
      while (sent < INGEST_REQUESTS) {
        const n = sent++;
        const response = await fetch(
          `${service.url}/purchase/${1 + (n % STORES)}/customer/${1 + n}/date/20250314`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          },
        );
        await response.arrayBuffer();
        if (response.status !== 201) errors++;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: INGEST_CLIENTS }, client));
    const seconds = (performance.now() - started) / 1000;
    return { purchasesPerSecond: (INGEST_REQUESTS - errors) / seconds, errors };
  } finally {
    await service.stop();
  }
}

function git(...args) {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main() {
  const events = makeEvents(EVENTS);
  const topic = await createTestTopic(PARTITIONS);
  const consumerShard = await createTestShards(1, PARTITIONS);
  const rawShard = await createTestShards(1);
  const rawShardAfter = await createTestShards(1);
  const likeShard = await createTestShards(1);
  const ingestTopic = await createTestTopic(PARTITIONS);
  try {
    log(`pre-filling ${topic.topic} with ${EVENTS} purchases`);
    const producerRate = await prefill(topic, events);
    // The partition batches hold EVENTS / PARTITIONS messages (the topic is pre-filled); the raw insert
    // uses the same batch size, once before and once after the drain so load drift on a shared machine
    // does not favour either side.
    const batchSize = Math.ceil(EVENTS / PARTITIONS);
    log(`raw UNNEST insert, batches of ${batchSize}, concurrency ${CONCURRENCY}`);
    const rawBefore = await rawInsert(rawShard.urls[0], events, batchSize);
    log(`draining into shard 0 with concurrency ${CONCURRENCY}`);
    const consumer = await drain(topic, consumerShard.urls[0], EVENTS);
    log('raw UNNEST insert again');
    const rawAfter = await rawInsert(rawShardAfter.urls[0], events, batchSize);
    const raw = (rawBefore + rawAfter) / 2;
    log('raw UNNEST insert with the totals upsert (like for like)');
    const rawWithTotals = await rawInsert(likeShard.urls[0], events, batchSize, true);
    const purchaseBuilt = existsSync(path.join(REPO, 'services/purchase/dist/main.js'));
    let ingest;
    if (purchaseBuilt) {
      log(`purchase service ingest: ${INGEST_REQUESTS} requests, ${INGEST_CLIENTS} clients`);
      ingest = { source: 'purchase service HTTP API', ...(await purchaseIngest(ingestTopic)) };
    } else {
      ingest = {
        source: 'kafkajs producer (purchase service not built)',
        purchasesPerSecond: producerRate,
        errors: 0,
      };
    }
    const result = {
      command: `node services/consumer/bench/bench-consumer.mjs`,
      env: {
        BENCH_EVENTS: EVENTS,
        BENCH_PARTITIONS: PARTITIONS,
        BENCH_CONCURRENCY: CONCURRENCY,
        BENCH_INGEST_REQUESTS: INGEST_REQUESTS,
        BENCH_INGEST_CLIENTS: INGEST_CLIENTS,
      },
      commit: git('rev-parse', 'HEAD'),
      dirty: git('status', '--porcelain', '--', 'services/consumer') !== '',
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
      rawUnnestInsert: {
        rowsPerSecond: raw,
        before: rawBefore,
        after: rawAfter,
        batchSize,
        concurrency: CONCURRENCY,
      },
      rawUnnestInsertWithTotals: { rowsPerSecond: rawWithTotals, batchSize, concurrency: CONCURRENCY },
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
    mkdirSync(OUT, { recursive: true });
    writeFileSync(path.join(OUT, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
    const f = (n) => Math.round(n).toLocaleString('en-US');
    const r = (n) => n.toFixed(2);
    writeFileSync(
      path.join(OUT, 'result.md'),
      `# Consumer throughput

Command: \`${result.command}\` (${Object.entries(result.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')})
Commit: ${result.commit}${result.dirty ? ' (consumer files modified)' : ''} · ${result.date}
Machine: ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB, ${result.machine.platform}, Node ${result.machine.node}, load average at the end ${result.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}

| measure | rows/s |
| --- | ---: |
| consumer draining a pre-filled topic (${PARTITIONS} partitions → 1 shard, ${CONCURRENCY} concurrent, mean batch ${result.consumer.meanBatchSize}) | ${f(consumer.rowsPerSecond)} |
| raw batched UNNEST insert, same shard server, batches of ${batchSize}, ${CONCURRENCY} connections (mean of ${f(rawBefore)} before and ${f(rawAfter)} after the drain) | ${f(raw)} |
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
one 2-core machine (Kafka, four PostgreSQL servers, the service and this script).
`,
    );
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await Promise.all([
      topic.remove(),
      ingestTopic.remove(),
      consumerShard.remove(),
      rawShard.remove(),
      rawShardAfter.remove(),
      likeShard.remove(),
    ]);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

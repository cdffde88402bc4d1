import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { shardOfStore } from '@tillstream/contract';
import { startDelayProxy } from '@tillstream/loadtest/bench/delay-proxy';
import {
  createTestShards,
  startService,
  useStack,
  type RunningService,
  type TestShards,
} from '@tillstream/stack/harness';
import { openApiDocument } from '../src/openapi.js';
import { openApiValidator } from './support/openapi-validator.js';
import { groundTruth, randomPurchases, writePurchases, type Purchase } from './support/seed.js';

const PARTITIONS = 12;
const validate = openApiValidator(openApiDocument);

async function getJson(url: string) {
  const response = await fetch(url);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function metric(service: RunningService, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

/** Runs `sql` on the shard *server* (its admin database), for ALTER DATABASE on our own test database. */
async function onServer(serverUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('store service on real shards (built dist/main.js)', () => {
  let shards: TestShards;
  let service: RunningService;
  let purchases: Purchase[];
  const topology = { partitionCount: PARTITIONS, shardCount: 4 };

  before(async () => {
    shards = await createTestShards();
    purchases = [
      ...randomPurchases(5, 600, 60, 40),
      // A store with fewer than 10 items, and an item only two stores sell, tied.
      { storeId: 9001, customerId: 1, items: [1, 2, 3].map((itemId) => ({ itemId, quantity: 4 })) },
      { storeId: 9002, customerId: 1, items: [{ itemId: 500, quantity: 6 }] },
      { storeId: 9003, customerId: 1, items: [{ itemId: 500, quantity: 6 }] },
    ];
    await writePurchases(shards.urls, purchases, PARTITIONS);
    service = await startService('store', {
      SHARD_URLS: shards.urls.join(','),
      KAFKA_PARTITIONS: String(PARTITIONS),
      STORE_WORKERS: '2',
      STORE_CACHE_TTL_MS: '0',
      STORE_SHARD_TIMEOUT_MS: '1000',
      STORE_RETRY_AFTER_SECONDS: '3',
    });
  });

  after(async () => {
    await service?.stop();
    await shards?.remove();
  });

  it('both endpoints equal the ground truth computed from the purchases', async () => {
    const truth = groundTruth(purchases);
    assert.ok(truth.stores.length > 50 && truth.items.length > 30);
    for (const storeId of truth.stores) {
      const { status, body } = await getJson(`${service.url}/items/store/${storeId}`);
      assert.equal(status, 200);
      validate('/items/store/{storeID}', 200, body);
      assert.deepEqual(body, { stores: truth.topItems(storeId) }, `store ${storeId}`);
    }
    for (const itemId of truth.items) {
      const { status, body } = await getJson(`${service.url}/items/top10/${itemId}`);
      assert.equal(status, 200);
      validate('/items/top10/{itemID}', 200, body);
      assert.deepEqual(body, { stores: truth.topStores(itemId) }, `item ${itemId}`);
    }
    assert.equal(truth.topItems(9001).length, 3);
    assert.deepEqual(truth.topStores(500), [
      { storeID: 9002, numberOfItems: 6 },
      { storeID: 9003, numberOfItems: 6 },
    ]);
    // The data must really have ties for the order to be tested.
    const withTies = truth.items.filter((i) => {
      const counts = truth.topStores(i).map((r) => r.numberOfItems);
      return new Set(counts).size < counts.length;
    });
    assert.ok(withTies.length > 5);
  });

  it('times every pool checkout apart from the query, per shard, in sub-millisecond buckets', async () => {
    const count = (shard: number) =>
      metric(
        service,
        new RegExp(
          `store_pool_wait_seconds_count\\{shard="${shard}",target="primary",service="store"\\} (\\d+)`,
        ),
      );
    const before = await Promise.all([0, 1, 2, 3].map(count));
    const item = groundTruth(purchases).items[0]!;
    assert.equal((await fetch(`${service.url}/items/top10/${item}`)).status, 200);
    // The top 10 of an item reads every shard: one checkout on each.
    const after = await Promise.all([0, 1, 2, 3].map(count));
    assert.deepEqual(
      after.map((n, shard) => n - before[shard]!),
      [1, 1, 1, 1],
    );
    const text = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(text, /store_pool_wait_seconds_bucket\{le="0.0001",shard="0",target="primary"/);
    assert.match(text, /http_request_duration_seconds_bucket\{le="0.0005",route="\/items\/top10\/:itemID"/);
  });

  it('404s stores and items without purchases, 400s hostile ids', async () => {
    const store = await getJson(`${service.url}/items/store/4242`);
    assert.equal(store.status, 404);
    assert.equal(store.body.code, 'STORE_NOT_FOUND');
    const item = await getJson(`${service.url}/items/top10/4243`);
    assert.equal(item.status, 404);
    assert.equal(item.body.code, 'ITEM_NOT_FOUND');
    for (const id of ["1'%3B%20DROP%20TABLE%20store_item_totals%3B--", '2147483648', '%E2%91%A0', '007']) {
      assert.equal((await getJson(`${service.url}/items/top10/${id}`)).status, 400, id);
    }
  });

  it('a shard that refuses connections: 503 + Retry-After, partial answers on request, recovery after', async () => {
    const stack = await useStack();
    const server = stack.shards[2]!.url;
    const database = shards.database;
    const truth = groundTruth(purchases);
    const itemId = truth.items[0]!;
    const storeOnShard2 = truth.stores.find((s) => shardOfStore(s, topology) === 2)!;
    await onServer(server, `ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
    await onServer(
      server,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`,
    );
    try {
      const down = await getJson(`${service.url}/items/top10/${itemId}`);
      assert.equal(down.status, 503);
      assert.equal(down.headers.get('retry-after'), '3');
      assert.equal(down.body.code, 'SHARD_UNAVAILABLE');
      validate('/items/top10/{itemID}', 503, down.body);

      const partial = await getJson(`${service.url}/items/top10/${itemId}?partial=true`);
      assert.equal(partial.status, 200);
      validate('/items/top10/{itemID}', 200, partial.body);
      assert.deepEqual(partial.body.missingShards, [2]);
      const withoutShard2 = groundTruth(purchases.filter((p) => shardOfStore(p.storeId, topology) !== 2));
      assert.deepEqual(partial.body.stores, withoutShard2.topStores(itemId));

      assert.equal((await getJson(`${service.url}/items/store/${storeOnShard2}`)).status, 503);
      assert.equal((await fetch(`${service.url}/readyz`)).status, 503);
    } finally {
      await onServer(server, `ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
    }
    const recovered = await getJson(`${service.url}/items/top10/${itemId}`);
    assert.equal(recovered.status, 200);
    assert.deepEqual(recovered.body, { stores: truth.topStores(itemId) });
    assert.equal((await fetch(`${service.url}/readyz`)).status, 200);
  });

  it('a shard URL pointing at a closed port: readiness fails, partial answers name it', async () => {
    const closed = new URL(shards.urls[1]!);
    closed.port = '1'; // nothing listens on port 1
    const urls = [...shards.urls];
    urls[1] = closed.toString();
    const broken = await startService(
      'store',
      { SHARD_URLS: urls.join(','), KAFKA_PARTITIONS: String(PARTITIONS), STORE_WORKERS: '1' },
      { waitFor: '/healthz' },
    );
    try {
      assert.equal((await fetch(`${broken.url}/readyz`)).status, 503);
      const itemId = groundTruth(purchases).items[0]!;
      const partial = await getJson(`${broken.url}/items/top10/${itemId}?partial=true`);
      assert.deepEqual(partial.body.missingShards, [1]);
      assert.equal((await getJson(`${broken.url}/items/top10/${itemId}`)).status, 503);
    } finally {
      await broken.stop();
    }
  });

  it('SIGTERM: finishes the request in flight, then exits 0', async () => {
    const upstream = new URL(shards.urls[0]!);
    const proxy = await startDelayProxy({ host: upstream.hostname, port: Number(upstream.port) }, () => 300, {
      recordClientBytes: true,
    });
    const slowPrimary = new URL(shards.urls[0]!);
    slowPrimary.port = String(proxy.port);
    const stopping = await startService('store', {
      SHARD_URLS: [slowPrimary.toString(), ...shards.urls.slice(1)].join(','),
      KAFKA_PARTITIONS: String(PARTITIONS),
      STORE_WORKERS: '2',
      STORE_SHARD_TIMEOUT_MS: '5000',
    });
    try {
      const truth = groundTruth(purchases);
      const storeId = truth.stores.find((s) => shardOfStore(s, topology) === 0)!;
      // The shard's answer to the query is held until the service is stopping, so the request is surely
      // in flight. Only the query's connection is held: a probe, or a connection being opened, is not.
      const release = proxy.holdReplies('store_item_totals');
      const inFlight = getJson(`${stopping.url}/items/store/${storeId}`);
      await until(() => proxy.clientSent('store_item_totals'));
      const exited = stopping.stop();
      // Both workers have begun their graceful stop: they closed their servers, so the port refuses.
      while (await acceptsConnections(stopping.port)) await new Promise((r) => setTimeout(r, 10));
      release();
      const answer = await inFlight;
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { stores: truth.topItems(storeId) });
      assert.equal(await exited, 0);
    } finally {
      await stopping.kill();
      await proxy.close();
    }
  });

  it('hedges a slow primary to its replica: the replica wins and the median latency drops', async () => {
    const upstream = new URL(shards.urls[0]!);
    const proxy = await startDelayProxy({ host: upstream.hostname, port: Number(upstream.port) }, () => 150);
    const slowPrimary = new URL(shards.urls[0]!);
    slowPrimary.port = String(proxy.port);
    const urls = [slowPrimary.toString(), ...shards.urls.slice(1)];
    const common = {
      SHARD_URLS: urls.join(','),
      KAFKA_PARTITIONS: String(PARTITIONS),
      STORE_WORKERS: '1',
      STORE_CACHE_TTL_MS: '0',
      STORE_SHARD_TIMEOUT_MS: '5000',
      STORE_HEDGE_MAX_DELAY_MS: '20',
    };
    // The "replica" is a second connection pool straight to the same shard database.
    const plain = await startService('store', common);
    const hedged = await startService('store', { ...common, SHARD_REPLICA_URLS: shards.urls[0]! });
    try {
      const truth = groundTruth(purchases);
      const stores = truth.stores.filter((s) => shardOfStore(s, topology) === 0).slice(0, 15);
      const median = async (base: string) => {
        const ms: number[] = [];
        for (const storeId of stores) {
          const start = performance.now();
          const { body } = await getJson(`${base}/items/store/${storeId}`);
          ms.push(performance.now() - start);
          assert.deepEqual(body, { stores: truth.topItems(storeId) });
        }
        return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
      };
      const plainMedian = await median(plain.url);
      const hedgedMedian = await median(hedged.url);
      const wins = await metric(hedged, /store_hedged_wins_total\{shard="0",service="store"\} (\d+)/);
      const sent = await metric(hedged, /store_hedged_requests_total\{shard="0",service="store"\} (\d+)/);
      assert.ok(wins >= stores.length / 2, `hedge wins ${wins} of ${sent} sent`);
      assert.ok(hedgedMedian < plainMedian / 2, `median ${hedgedMedian} ms hedged vs ${plainMedian} ms`);
      assert.equal(await metric(plain, /store_hedged_requests_total\{shard="0",service="store"\} (\d+)/), 0);
    } finally {
      await Promise.all([plain.stop(), hedged.stop()]);
      await proxy.close();
    }
  });
});

/** Resolves once `condition` holds, checking every 10 ms. */
async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether a new TCP connection to the port on 127.0.0.1 is accepted. */
function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

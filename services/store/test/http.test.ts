import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { shardOfStore } from '@tillstream/contract';
import { openApiDocument } from '../src/openapi.js';
import { deferred } from './support/manual-clock.js';
import { MemoryShard } from './support/memory-repository.js';
import { startTestApp } from './support/test-app.js';
import { openApiValidator } from './support/openapi-validator.js';

const topology = { partitionCount: 12, shardCount: 4 };
const validate = openApiValidator(openApiDocument);

async function body(response: Response) {
  return (await response.json()) as Record<string, unknown>;
}

describe('store HTTP API (in-memory shards)', () => {
  const shards = Array.from({ length: 4 }, () => new MemoryShard());
  let app: Awaited<ReturnType<typeof startTestApp>>;
  // Store 1011 sells 12 items (1…12, item i quantity i%5+1: ties), store 1012 sells 3; item 1 is sold by stores 1…20.
  before(async () => {
    for (let item = 1; item <= 12; item++)
      shards[shardOfStore(1011, topology)]!.add(1011, item, (item % 5) + 1);
    for (let item = 1; item <= 3; item++) shards[shardOfStore(1012, topology)]!.add(1012, item, 10);
    for (let store = 1; store <= 20; store++)
      shards[shardOfStore(store, topology)]!.add(store, 77, (store % 4) + 1);
    // Store 0 sells item 0 and item 2147483647; store 2147483647 sells item 0.
    shards[shardOfStore(0, topology)]!.add(0, 0, 5);
    shards[shardOfStore(0, topology)]!.add(0, 2147483647, 2);
    shards[shardOfStore(2147483647, topology)]!.add(2147483647, 0, 1);
    app = await startTestApp(shards);
  });
  after(() => app.close());

  it('store 0 and item 0 are ids like any other, as is the top of the range', async () => {
    const store = await app.get('/items/store/0');
    assert.equal(store.status, 200);
    const items = await body(store);
    validate('/items/store/{storeID}', 200, items);
    assert.deepEqual(items, {
      stores: [
        { itemID: 0, numberOfItems: 5 },
        { itemID: 2147483647, numberOfItems: 2 },
      ],
    });
    const item = await app.get('/items/top10/0');
    assert.equal(item.status, 200);
    const stores = await body(item);
    validate('/items/top10/{itemID}', 200, stores);
    assert.deepEqual(stores, {
      stores: [
        { storeID: 0, numberOfItems: 5 },
        { storeID: 2147483647, numberOfItems: 1 },
      ],
    });
  });

  it('GET /items/store/:storeID answers the top 10 items, ties by itemID', async () => {
    const response = await app.get('/items/store/1011');
    assert.equal(response.status, 200);
    const json = await body(response);
    validate('/items/store/{storeID}', 200, json);
    const expected = Array.from({ length: 12 }, (_, i) => ({
      itemID: i + 1,
      numberOfItems: ((i + 1) % 5) + 1,
    }))
      .sort((a, b) => b.numberOfItems - a.numberOfItems || a.itemID - b.itemID)
      .slice(0, 10);
    assert.deepEqual(json, { stores: expected });
  });

  it('answers fewer than 10 items when the store has fewer', async () => {
    const json = await body(await app.get('/items/store/1012'));
    assert.deepEqual(json, {
      stores: [1, 2, 3].map((itemID) => ({ itemID, numberOfItems: 10 })),
    });
  });

  it('GET /items/top10/:itemID merges every shard', async () => {
    const response = await app.get('/items/top10/77');
    assert.equal(response.status, 200);
    const json = await body(response);
    validate('/items/top10/{itemID}', 200, json);
    const expected = Array.from({ length: 20 }, (_, i) => ({
      storeID: i + 1,
      numberOfItems: ((i + 1) % 4) + 1,
    }))
      .sort((a, b) => b.numberOfItems - a.numberOfItems || a.storeID - b.storeID)
      .slice(0, 10);
    assert.deepEqual(json, { stores: expected });
    const partial = await body(await app.get('/items/top10/77?partial=true'));
    assert.deepEqual(partial, { stores: expected, missingShards: [] });
  });

  it('404s stores and items without purchases', async () => {
    for (const [path, code] of [
      ['/items/store/999', 'STORE_NOT_FOUND'],
      ['/items/top10/999', 'ITEM_NOT_FOUND'],
    ] as const) {
      const response = await app.get(path);
      assert.equal(response.status, 404);
      const json = await body(response);
      assert.equal(json.code, code);
      validate(
        path.startsWith('/items/store') ? '/items/store/{storeID}' : '/items/top10/{itemID}',
        404,
        json,
      );
    }
  });

  it('400s ids that are not integers 0 … 2147483647, whatever they hold', async () => {
    const hostile = [
      '00',
      '-0',
      '-1',
      '%2B1',
      '01',
      '%201',
      '1%20',
      '2147483648',
      '99999999999999999999999',
      '1.5',
      '1e3',
      'abc',
      "1'%20OR%20'1'%3D'1",
      '1%3BDROP%20TABLE%20store_item_totals',
      '%F0%9F%92%A9',
      '%EF%BC%91', // full-width 1
      '%00',
    ];
    const queriesBefore = shards.reduce((n, s) => n + s.calls.topItems + s.calls.topStores, 0);
    for (const id of hostile) {
      for (const route of ['/items/store/', '/items/top10/']) {
        const response = await app.get(`${route}${id}`);
        assert.equal(response.status, 400, `${route}${id}`);
        const json = await body(response);
        assert.equal(json.code, 'INVALID_ID');
        assert.match(String(json.message), /must be a decimal integer 0…2147483647 /);
        validate(route === '/items/store/' ? '/items/store/{storeID}' : '/items/top10/{itemID}', 400, json);
      }
    }
    // A malformed percent-encoding never reaches the id parser but is still the client's fault.
    assert.equal((await app.get('/items/store/%E0%A4%A')).status, 400);
    // Nothing hostile reached a shard.
    assert.equal(
      shards.reduce((n, s) => n + s.calls.topItems + s.calls.topStores, 0),
      queriesBefore,
    );
  });

  it('400s a partial flag that is not true/false', async () => {
    for (const query of ['partial=yes', 'partial=true&partial=true', 'partial=']) {
      const response = await app.get(`/items/top10/77?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal((await body(response)).code, 'INVALID_QUERY');
    }
  });

  it('404s unknown routes and 405s other methods', async () => {
    for (const path of ['/items', '/items/store', '/items/store/1/2', '/nope']) {
      const response = await app.get(path);
      assert.equal(response.status, 404, path);
      assert.equal((await body(response)).code, 'NOT_FOUND');
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await app.get('/items/store/1011', { method });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get('allow'), 'GET');
      validate('/items/store/{storeID}', 405, await body(response));
    }
  });

  it('serves healthz, readyz, metrics and the OpenAPI document', async () => {
    const health = await app.get('/healthz');
    validate('/healthz', 200, await body(health));
    const ready = await app.get('/readyz');
    assert.equal(ready.status, 200);
    validate('/readyz', 200, await body(ready));
    const metrics = await (await app.get('/metrics')).text();
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'store_shard_query_duration_seconds',
      'store_hedged_requests_total',
      'store_hedged_wins_total',
      'store_cache_requests_total',
      'store_degraded_answers_total',
      'store_shard_timeouts_total',
      'shard_up',
    ]) {
      assert.match(metrics, new RegExp(`^${name}`, 'm'), name);
    }
    assert.match(metrics, /http_requests_total\{route="\/items\/store\/:storeID",method="GET",status="200"/);
    const doc = await body(await app.get('/openapi.json'));
    assert.equal(doc.openapi, '3.0.3');
  });
});

describe('store HTTP API with a failing shard', () => {
  const shards = Array.from({ length: 4 }, () => new MemoryShard());
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const storesOn = (shard: number) =>
    Array.from({ length: 200 }, (_, i) => i + 1).filter((s) => shardOfStore(s, topology) === shard);
  before(async () => {
    for (let store = 1; store <= 40; store++) shards[shardOfStore(store, topology)]!.add(store, 5, store);
    app = await startTestApp(shards, { timeoutMs: 200 });
  });
  after(() => app.close());

  it('503s with Retry-After by default and names missing shards when partial', async () => {
    shards[1]!.failure = new Error('connection refused');
    try {
      const response = await app.get('/items/top10/5');
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '2');
      const json = await body(response);
      assert.equal(json.code, 'SHARD_UNAVAILABLE');
      validate('/items/top10/{itemID}', 503, json);

      const partial = await app.get('/items/top10/5?partial=true');
      assert.equal(partial.status, 200);
      const partialJson = await body(partial);
      validate('/items/top10/{itemID}', 200, partialJson);
      assert.deepEqual(partialJson.missingShards, [1]);
      const expected = Array.from({ length: 40 }, (_, i) => i + 1)
        .filter((s) => !storesOn(1).includes(s))
        .sort((a, b) => b - a)
        .slice(0, 10)
        .map((storeID) => ({ storeID, numberOfItems: storeID }));
      assert.deepEqual(partialJson.stores, expected);

      const store = storesOn(1)[0]!;
      const single = await app.get(`/items/store/${store}`);
      assert.equal(single.status, 503);
      const ready = await app.get('/readyz');
      assert.equal(ready.status, 503);
      validate('/readyz', 503, await body(ready));
      const metrics = await (await app.get('/metrics')).text();
      assert.match(metrics, /store_degraded_answers_total\{kind="partial",service="store"\} 1/);
      assert.match(metrics, /store_degraded_answers_total\{kind="unavailable",service="store"\} 2/);
      assert.match(metrics, /shard_up\{shard="1",service="store"\} 0/);
    } finally {
      shards[1]!.failure = undefined;
    }
    assert.equal((await app.get('/items/top10/5')).status, 200);
  });

  it('503s when a shard does not answer within the deadline, and counts the timeout', async () => {
    const hang = deferred<void>();
    shards[3]!.gate = hang.promise;
    try {
      const response = await app.get('/items/top10/5');
      assert.equal(response.status, 503);
      assert.match(String((await body(response)).message), /shard 3 timed out/);
      const metrics = await (await app.get('/metrics')).text();
      assert.match(metrics, /store_shard_timeouts_total\{shard="3",service="store"\} 1/);
    } finally {
      shards[3]!.gate = undefined;
      hang.resolve();
    }
  });

  it('a burst of identical GETs costs one query per shard', async () => {
    // An app of its own whose shard deadline cannot pass while the test holds the queries.
    const burstApp = await startTestApp(shards, { timeoutMs: 600_000 });
    const gate = deferred<void>();
    for (const s of shards) {
      s.gate = gate.promise;
      s.calls.topStores = 0;
    }
    try {
      const burst = Array.from({ length: 25 }, () => burstApp.get('/items/top10/5'));
      // Every request has asked the cache of every shard (25 × 4 lookups) before the shards answer.
      await until(() => burstApp.cacheLookups().stores === 25 * shards.length);
      gate.resolve();
      const responses = await Promise.all(burst);
      assert.ok(responses.every((r) => r.status === 200));
      assert.deepEqual(
        shards.map((s) => s.calls.topStores),
        [1, 1, 1, 1],
      );
    } finally {
      for (const s of shards) s.gate = undefined;
      gate.resolve();
      await burstApp.close();
    }
  });
});

describe('concurrency cap', () => {
  it('past STORE_MAX_CONCURRENT_REQUESTS a request gets 503 OVERLOADED at once; a slot frees when one ends', async () => {
    const shards = Array.from({ length: 4 }, () => new MemoryShard());
    shards[shardOfStore(7, topology)]!.add(7, 1, 3);
    const gate = deferred<void>();
    for (const s of shards) s.gate = gate.promise;
    const app = await startTestApp(shards, { maxConcurrentRequests: 2, timeoutMs: 600_000 });
    try {
      const held = [app.get('/items/store/7'), app.get('/items/top10/1')];
      await until(() => app.cacheLookups().items === 1 && app.cacheLookups().stores === 4);
      const refused = await app.get('/items/store/7');
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '2');
      assert.equal((await body(refused)).code, 'OVERLOADED');
      assert.equal((await app.get('/healthz')).status, 200, 'probes are not capped');
      gate.resolve();
      assert.deepEqual(
        (await Promise.all(held)).map((r) => r.status),
        [200, 200],
      );
      assert.equal((await app.get('/items/store/7')).status, 200, 'slots are released');
    } finally {
      gate.resolve();
      await app.close();
    }
  });
});

/** Resolves once `condition` holds, checking after each turn of the event loop (no timed guess). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

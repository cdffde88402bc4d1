import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, test } from 'node:test';
import { Ledger } from '../src/ledger.js';
import { checkStoreApi, diffItemSets, fetchStoreTopItems, mapLimit } from '../src/verify.js';

test('diffItemSets finds missing, extra and different totals', () => {
  const ledger = [
    { itemId: 1, quantity: 2 },
    { itemId: 5, quantity: 1 },
  ];
  assert.deepEqual(diffItemSets(ledger, ledger), []);
  assert.deepEqual(diffItemSets(ledger, [{ itemId: 1, quantity: 2 }]), ['item 5: expected 1, shard has 0']);
  assert.deepEqual(diffItemSets(ledger, [...ledger, { itemId: 9, quantity: 4 }]), [
    'item 9: not in the ledger, shard has 4',
  ]);
  assert.deepEqual(diffItemSets(ledger, [{ itemId: 1, quantity: 3 }, ledger[1]!]), [
    'item 1: expected 2, shard has 3',
  ]);
});

test('mapLimit visits every item with bounded concurrency', async () => {
  let running = 0;
  let peak = 0;
  const seen: number[] = [];
  await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    seen.push(n);
    running -= 1;
  });
  assert.deepEqual(seen.sort(), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(peak, 3);
});

describe('fetchStoreTopItems', () => {
  /** A Store API stand-in on loopback that answers 503 to the first `failures` requests. */
  async function storeApi(
    failures: number,
  ): Promise<{ url: string; requests: () => number; close: () => void }> {
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests += 1;
      if (requests <= failures) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end('{"message":"busy","code":"OVERLOADED"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ stores: [{ itemID: 0, numberOfItems: 3 }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, requests: () => requests, close: () => server.close() };
  }

  it('asks again after a 503 and says how many retries the answer took', async () => {
    const api = await storeApi(2);
    try {
      const answer = await fetchStoreTopItems(api.url, 0);
      assert.deepEqual(answer, { status: 200, items: [{ itemId: 0, quantity: 3 }], retries: 2 });
      assert.equal(api.requests(), 3);
    } finally {
      api.close();
    }
  });

  it('gives up after its attempts and returns the 503', async () => {
    const api = await storeApi(10);
    try {
      const answer = await fetchStoreTopItems(api.url, 0, 2);
      assert.equal(answer.status, 503);
      assert.equal(api.requests(), 2);
    } finally {
      api.close();
    }
  });
});

describe('checkStoreApi', () => {
  /**
   * A Store API stand-in: store 1 answers a stale count for its first two reads (a cached answer),
   * store 2 answers 502 once (a gateway that has not resolved a replaced replica yet), store 3 always
   * answers a wrong count.
   */
  async function storeApi(): Promise<{ url: string; reads: Map<number, number>; close: () => void }> {
    const reads = new Map<number, number>();
    const server = http.createServer((req, res) => {
      const storeId = Number(req.url!.split('/').at(-1));
      const read = (reads.get(storeId) ?? 0) + 1;
      reads.set(storeId, read);
      if (storeId === 2 && read === 1) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>502 Bad Gateway</html>');
        return;
      }
      const quantity = storeId === 1 ? (read <= 2 ? 1 : 2) : storeId === 3 ? 5 : 2;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ stores: [{ itemID: 7, numberOfItems: quantity }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, reads, close: () => server.close() };
  }

  const ledger = new Ledger(10);
  for (const storeId of [1, 2, 3]) ledger.add(storeId, [{ itemId: 7, quantity: 2 }]);

  /** The check of stores 1–3 against a fresh stand-in, and how often it read each store. */
  async function check(settle: { storeApiSettleMs: number; storeApiRereadMs?: number }) {
    const api = await storeApi();
    try {
      const result = await checkStoreApi({ ledger, storeIds: [1, 2, 3], storeApiUrl: api.url, ...settle });
      return { result, reads: api.reads };
    } finally {
      api.close();
    }
  }

  it('reads a differing store again until it agrees, and reports one that never does', async () => {
    const { result, reads } = await check({ storeApiSettleMs: 500, storeApiRereadMs: 20 });
    assert.equal(result.ok, false);
    assert.equal(result.checked, 3);
    assert.equal(result.mismatchCount, 1);
    assert.match(result.mismatches[0]!, /^store 3: top 10 differs/);
    assert.equal(result.settledOnReread, 2);
    assert.equal(reads.get(1), 3);
    assert.equal(reads.get(2), 2);
    assert.ok(reads.get(3)! > 3, 'the wrong store is read until the settle time ends');
  });

  it('takes the first answer when there is no settle time', async () => {
    const { result } = await check({ storeApiSettleMs: 0 });
    assert.equal(result.mismatchCount, 3);
    assert.deepEqual(result.mismatches.map((m) => m.split(':')[0]).sort(), ['store 1', 'store 2', 'store 3']);
    assert.match(
      result.mismatches.find((m) => m.startsWith('store 2'))!,
      /→ 502$/,
    );
    assert.equal(result.settledOnReread, undefined);
  });
});

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, test } from 'node:test';
import { diffItemSets, fetchStoreTopItems, mapLimit } from '../src/verify.js';

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

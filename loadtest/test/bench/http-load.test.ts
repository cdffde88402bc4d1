import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { httpLoad, RequestClock, untilDue } from '../../src/bench/http-load.js';

test('RequestClock, closed loop: send at once, latency from the send', () => {
  const clock = new RequestClock(0, 1000, 0.7);
  assert.equal(clock.waitMs(1000), 0);
  assert.equal(clock.take(1003), 1003);
  assert.equal(clock.waitMs(1003), 0);
  assert.equal(clock.take(2000), 2000);
});

test('RequestClock, paced: fixed intervals from a random phase, latency from when a request was due', () => {
  // 100 requests/s: every 10 ms, the first 0.5 × 10 ms after the start.
  const clock = new RequestClock(100, 1000, 0.5);
  assert.equal(clock.waitMs(1000), 5);
  assert.equal(clock.take(1005), 1005);
  assert.equal(clock.waitMs(1006), 9);
  // A client held up by a slow answer sends late, and its latency still counts from 1015.
  assert.equal(clock.waitMs(1040), 0);
  assert.equal(clock.take(1040), 1015);
  assert.equal(clock.take(1041), 1025);
  assert.equal(clock.waitMs(1041), 0);
});

test('untilDue: a paced request is never sent before it is due, although timers may fire early', async () => {
  // Due times at fractional milliseconds, 2.37 ms apart: one millisecond timer per wait sends most early.
  const clock = new RequestClock(1000 / 2.37, performance.now(), 0.9);
  for (let i = 0; i < 200; i++) {
    await untilDue(clock);
    const now = performance.now();
    const due = clock.take(now);
    assert.ok(now >= due, `request ${i} sent ${due - now} ms before it was due`);
  }
});

async function server(handler: http.RequestListener) {
  const s = http.createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => s.close(() => resolve())),
  };
}

test('httpLoad with a request count: every answer timed and counted under its name and status', async () => {
  let bodies = 0;
  const target = await server((req, res) => {
    req.on('data', () => (bodies += 1));
    req.on('end', () => {
      res.statusCode = req.url === '/missing' ? 404 : 201;
      res.end('{}');
    });
  });
  try {
    let n = 0;
    const result = await httpLoad({
      baseUrl: target.url,
      clients: 3,
      warmupMs: 0,
      requests: 30,
      next: () =>
        n++ % 3 === 0
          ? { name: 'GET /missing', method: 'GET', path: '/missing' }
          : { name: 'POST /purchase', method: 'POST', path: '/purchase/1', body: '{"items":[]}' },
      cpuSeconds: () => ({ other: 0 }),
    });
    assert.equal(n, 30);
    assert.equal(bodies, 20);
    assert.equal(result.samples.get('GET /missing')?.length, 10);
    assert.equal(result.samples.get('POST /purchase')?.length, 20);
    assert.deepEqual(Object.fromEntries(result.statuses), {
      'GET /missing 404': 10,
      'POST /purchase 201': 20,
    });
    assert.ok(result.seconds > 0);
    assert.ok(result.loadGeneratorCpuSeconds >= 0);
    assert.deepEqual(result.cpuSeconds, { other: 0 });
  } finally {
    await target.close();
  }
});

test('httpLoad for a duration: nothing recorded in the warm-up; transport errors counted without a latency', async () => {
  const target = await server((_req, res) => res.end('ok'));
  const closedPort = new URL(target.url).port;
  await target.close();
  const result = await httpLoad({
    baseUrl: `http://127.0.0.1:${closedPort}`,
    clients: 2,
    warmupMs: 50,
    durationMs: 100,
    next: () => ({ name: 'GET /', method: 'GET', path: '/' }),
  });
  assert.equal(result.samples.size, 0);
  const keys = [...result.statuses.keys()];
  assert.ok(keys.length > 0 && keys.every((key) => key.startsWith('GET / error:')), keys.join(', '));
  assert.ok(result.seconds >= 0.09 && result.seconds < 1, String(result.seconds));
});

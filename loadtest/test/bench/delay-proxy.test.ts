import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { randomTail, startDelayProxy } from '../../src/bench/delay-proxy.js';

test('randomTail: the given fraction of chunks delayed, the others not', () => {
  const draws = [0.01, 0.5, 0.04, 0.99];
  const tail = randomTail(0.05, 20, () => draws.shift()!);
  assert.deepEqual([tail(), tail(), tail(), tail()], [20, 0, 20, 0]);
});

/** An echo server behind a proxy; `chunks` writes through it; resolves once all came back (or 5 s passed). */
async function throughProxy(delayMs: () => number, chunks: number, options = {}) {
  const upstream = net.createServer((socket) => socket.on('data', (d: Buffer) => socket.write(d)));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const proxy = await startDelayProxy(
    { host: '127.0.0.1', port: (upstream.address() as net.AddressInfo).port },
    delayMs,
    options,
  );
  const client = net.connect(proxy.port, '127.0.0.1');
  let received = '';
  client.on('data', (d: Buffer) => (received += d.toString()));
  await new Promise((resolve) => client.once('connect', resolve));
  const sent = Array.from({ length: chunks }, (_, i) => `query ${i};`);
  for (const chunk of sent) {
    client.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const expected = sent.join('');
  const deadline = Date.now() + 5000;
  while (received.length < expected.length && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 5));
  return {
    received,
    expected,
    proxy,
    async close() {
      client.destroy();
      await proxy.close();
      await new Promise((resolve) => upstream.close(resolve));
    },
  };
}

test('startDelayProxy: replies delayed at random arrive complete and in order', async () => {
  const run = await throughProxy(() => (Math.random() < 0.3 ? 15 : 0), 30);
  try {
    assert.equal(run.received, run.expected);
    assert.throws(() => run.proxy.clientSent('query'), /recordClientBytes/);
  } finally {
    await run.close();
  }
});

test('startDelayProxy: clientSent sees what the clients sent when asked to record it', async () => {
  const run = await throughProxy(() => 0, 3, { recordClientBytes: true });
  try {
    assert.equal(run.proxy.clientSent('query 2'), true);
    assert.equal(run.proxy.clientSent('query 3'), false);
    assert.equal(run.received, run.expected);
  } finally {
    await run.close();
  }
});

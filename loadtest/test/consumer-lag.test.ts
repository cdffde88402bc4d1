import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { parseConsumerLag, readConsumerLag } from '../src/consumer-lag.js';

const exposition = `# HELP consumer_lag Messages behind the log end
# TYPE consumer_lag gauge
consumer_lag{partition="0",service="consumer"} 12
consumer_lag{partition="1",service="consumer"} 30
consumer_lag_other 99
consumer_batch_size_bucket{le="1"} 4
`;

test('lag is the sum of consumer_lag over partitions; other series are ignored', () => {
  assert.equal(parseConsumerLag(exposition), 42);
  assert.equal(parseConsumerLag('consumer_lag 0\n'), 0);
  assert.equal(parseConsumerLag('process_cpu_seconds_total 1\n'), undefined);
});

test('readConsumerLag scrapes /metrics over HTTP and is undefined when unreachable', async () => {
  const server = createServer((_, res) => res.end(exposition));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    assert.equal(await readConsumerLag(`http://127.0.0.1:${port}/metrics`), 42);
  } finally {
    server.close();
  }
  assert.equal(await readConsumerLag(`http://127.0.0.1:${port}/metrics`, 500), undefined);
});

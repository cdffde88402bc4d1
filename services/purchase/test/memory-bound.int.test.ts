// Memory stays bounded while Kafka does not answer: max-size purchases at twice what the in-flight
// limits admit, against the built service on a Kafka of its own whose only broker is paused (SIGSTOP),
// get 503 + Retry-After, and the service's processes together stay under the memory limit its
// container is given (docker-compose.yml). Build first: `npx tsc -b services/purchase`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'node:http';
import { REPO_ROOT } from '@tillstream/stack';
import { startService, type RunningService } from '@tillstream/stack/harness';
import { loadPurchaseConfig } from '../src/config.js';
import { heldBytesOf, toPurchaseMessage } from '../src/domain/purchase-message.js';
import { startPrivateStack, type PrivateStack } from './support/private-stack.js';

/** The purchase container's memory limit and worker count, as docker-compose.yml deploys it. */
function composeLimits(): { memoryBytes: number; workers: number } {
  const compose = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
  const block = /\n {2}purchase:\n([\s\S]*?)\n {2}\S/.exec(compose)?.[1] ?? '';
  const memory = /memory: (\d+)M/.exec(block);
  const workers = /PURCHASE_WORKERS: \$\{PURCHASE_WORKERS:-(\d+)\}/.exec(block);
  assert.ok(memory && workers, 'docker-compose.yml names the purchase memory limit and workers');
  return { memoryBytes: Number(memory[1]) * 1024 * 1024, workers: Number(workers[1]) };
}

/** Resident memory of a process and all its descendants, from /proc. */
function treeRssBytes(root: number): number {
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      if (children) stack.push(...children.split(/\s+/).map(Number));
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/** The largest purchase the API accepts: 1000 distinct items, the largest ids and quantities. */
const MAX_ITEMS = Array.from({ length: 1000 }, (_, i) => ({
  ItemID: String(2_147_483_647 - i),
  'numberOfItems:': 10_000,
}));
const MAX_BODY = JSON.stringify({ items: MAX_ITEMS });

/** POSTs the max-size purchase; resolves with the status, error code and Retry-After. */
function post(agent: Agent, url: string): Promise<{ status: number; code: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' }, timeout: 30_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            code: (JSON.parse(text) as { code?: string }).code ?? '',
            ...(retryAfter === undefined ? {} : { retryAfter }),
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(MAX_BODY);
  });
}

let stack: PrivateStack;
let service: RunningService;
const limits = composeLimits();

before(async () => {
  stack = await startPrivateStack({ nodes: 1, kafkaPort: 39492, controllerPort: 39592, shardPort: 35633 });
});
after(async () => {
  await service?.kill();
  await stack?.down();
});

test(
  'max-size purchases at twice the in-flight limits while the broker is paused: 503 + Retry-After, memory under the container limit',
  { timeout: 240_000 },
  async () => {
    service = await startService('purchase', {
      KAFKA_BROKERS: stack.brokers.join(','),
      KAFKA_TOPIC: stack.state.kafka.topic,
      KAFKA_PARTITIONS: '6',
      PURCHASE_WORKERS: String(limits.workers),
      LOG_LEVEL: 'warn',
    });
    // What the service's own defaults admit per worker, in max-size purchases.
    const config = loadPurchaseConfig({ PURCHASE_AUTH: 'off' });
    const held = heldBytesOf(
      toPurchaseMessage({
        path: { storeId: 2_147_483_647, customerId: 2_147_483_647, date: '2021-01-01' },
        items: MAX_ITEMS.map((i) => ({ itemId: Number(i.ItemID), quantity: 10_000 })),
        purchaseId: '00000000-0000-7000-8000-000000000000',
        receivedAt: new Date(),
        idempotencyKeyHash: '00000000-0000-5000-8000-000000000000',
      }),
    );
    const admittedPerWorker = Math.min(config.maxInFlight, Math.floor(config.maxInFlightBytes / held));
    const clients = 2 * admittedPerWorker * limits.workers;
    assert.ok(clients <= config.http.maxConnections * limits.workers, 'the load fits the connection limit');

    const brokerPid = stack.state.kafka.nodes[0]!.pid!;
    process.kill(brokerPid, 'SIGSTOP');
    const agent = new Agent({ keepAlive: true, maxSockets: clients });
    let peakRss = treeRssBytes(service.child.pid!);
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, treeRssBytes(service.child.pid!));
    }, 100);
    const statuses = new Map<string, number>();
    let retryAfterMissing = 0;
    // Long enough for garbage to pile up where nothing bounds the heap (it grows for the whole run).
    const until = Date.now() + 30_000;
    try {
      await Promise.all(
        Array.from({ length: clients }, async (_, client) => {
          while (Date.now() < until) {
            const response = await post(
              agent,
              `${service.url}/purchase/${1 + (client % 1000)}/customer/1/date/20210101`,
            );
            const key = `${response.status} ${response.code}`;
            statuses.set(key, (statuses.get(key) ?? 0) + 1);
            if (response.status === 503 && response.retryAfter === undefined) retryAfterMissing++;
          }
        }),
      );
    } finally {
      clearInterval(sampler);
      process.kill(brokerPid, 'SIGCONT');
      agent.destroy();
    }
    const summary = Object.fromEntries(statuses);
    process.stderr.write(
      `# memory bound: ${clients} clients, answers ${JSON.stringify(summary)}, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB of ${(limits.memoryBytes / 2 ** 20).toFixed(0)} MiB\n`,
    );
    assert.ok(
      (statuses.get('503 IN_FLIGHT_LIMIT') ?? 0) > 0,
      `the in-flight limit answered: ${JSON.stringify(summary)}`,
    );
    for (const key of statuses.keys())
      assert.match(key, /^503 /, `only 503s while the broker is paused: ${JSON.stringify(summary)}`);
    assert.equal(retryAfterMissing, 0, 'every 503 carries Retry-After');
    assert.ok(
      peakRss < limits.memoryBytes,
      `peak RSS ${peakRss} under the container limit ${limits.memoryBytes}`,
    );
  },
);

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '@tillstream/stack';
import {
  createTestTopic,
  startService,
  useStack,
  type RunningService,
  type TestTopic,
} from '@tillstream/stack/harness';
import { decodePurchaseEvent } from '@tillstream/contract';
import { readTopic } from './support/topic-reader.js';

// The built service (`node services/purchase/dist/main.js`) with API keys against the stack's real
// Kafka: writes are authenticated, refusals are audit-logged, anonymous writes need the explicit switch.

const PARTITIONS = 3;
const KEY = 'tsk_int-test-key-0123456789abcdef';
const PATH = '/purchase/7/customer/9/date/20210101';
const BODY = { items: [{ ItemID: '42', 'numberOfItems:': 3 }] };
let topic: TestTopic;
const services: RunningService[] = [];

before(async () => {
  await useStack();
  topic = await createTestTopic(PARTITIONS);
});
after(async () => {
  await Promise.all(services.map((s) => s.kill()));
  await topic?.remove();
});

function kafkaEnv(): Record<string, string> {
  return {
    KAFKA_TOPIC: topic.topic,
    KAFKA_BROKERS: topic.brokers.join(','),
    KAFKA_PARTITIONS: String(PARTITIONS),
    PURCHASE_WORKERS: '1',
  };
}

async function start(env: Record<string, string>): Promise<RunningService> {
  const service = await startService('purchase', { ...kafkaEnv(), ...env });
  services.push(service);
  return service;
}

function post(url: string, headers: Record<string, string> = {}) {
  return fetch(`${url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(BODY),
    signal: AbortSignal.timeout(15_000),
  });
}

/** The JSON lines of the service's output whose `audit` field is `kind`. */
function auditLines(service: RunningService, kind: string): Record<string, unknown>[] {
  return service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.audit === kind);
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('with a key configured, an anonymous or wrongly keyed POST is 401 UNAUTHORIZED and audit-logged; the key is accepted', async () => {
  const service = await start({ PURCHASE_API_KEYS: KEY });

  const anonymous = await post(service.url);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer');
  assert.equal(((await anonymous.json()) as { code: string }).code, 'UNAUTHORIZED');
  const wrong = await post(service.url, { authorization: 'Bearer tsk_a-revoked-key-0123456789' });
  assert.equal(wrong.status, 401);

  const audits = await until('two audit lines', () => {
    const lines = auditLines(service, 'purchase_unauthorized');
    return lines.length >= 2 ? lines : undefined;
  });
  assert.deepEqual(
    audits.map((a) => [a.level, a.reason]),
    [
      [40, 'missing'],
      [40, 'unknown_key'],
    ],
  );
  for (const audit of audits) assert.match(String(audit.remoteAddress), /127\.0\.0\.1/);
  assert.match(String(audits[1]!.keyId), /^[0-9a-f]{12}$/);
  assert.ok(!service.output().includes('a-revoked-key'), 'a sent key is never logged');

  const accepted = await post(service.url, { authorization: `Bearer ${KEY}` });
  assert.equal(accepted.status, 201);
  const { purchaseId } = (await accepted.json()) as { purchaseId: string };
  // One store, one partition: refused purchases would sit before the accepted one. Reading for more
  // than one event until the timeout must find the accepted purchase alone.
  const events = await readTopic(topic.brokers, topic.topic, (m) => m.length > 1, 5_000);
  assert.deepEqual(
    events.map((e) => {
      const decoded = decodePurchaseEvent(e.value);
      return decoded.ok ? decoded.event.purchaseId : 'undecodable';
    }),
    [purchaseId],
    'only the authenticated purchase reached Kafka',
  );
  assert.ok(!service.output().includes(KEY), 'the configured key is never logged');
  assert.match(
    await (await fetch(`${service.url}/metrics`)).text(),
    /purchase_rejected_total\{reason="unauthorized"[^}]*\} 2/,
  );
});

test('without a key and without PURCHASE_AUTH=off the service refuses to start', () => {
  const { PURCHASE_API_KEYS: _keys, PURCHASE_AUTH: _auth, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'services/purchase/dist/main.js')], {
    env: { ...inherited, ...kafkaEnv(), PORT: '0', HOST: '127.0.0.1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 2, result.stdout + result.stderr);
  assert.match(result.stderr, /PURCHASE_API_KEYS: no key/);
  assert.match(result.stderr, /PURCHASE_AUTH=off/);
});

test('PURCHASE_AUTH=off accepts anonymous writes and says so at start, as a warning', async () => {
  const service = await start({ PURCHASE_AUTH: 'off', PURCHASE_API_KEYS: KEY });
  const warning = service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; auth?: string; msg: string; ignoredApiKeys?: number })
    .find((line) => line.auth === 'off');
  assert.equal(warning?.level, 40);
  assert.match(warning.msg, /PURCHASE_AUTH=off.*without an API key/);
  assert.equal(warning.ignoredApiKeys, 1);
  assert.equal((await post(service.url)).status, 201);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLoadConfig } from '../src/config.js';
import { resolveTargets, type StackStateView } from '../src/targets.js';
import { storeIdOf } from '../src/workload.js';

const state: StackStateView = {
  status: 'ready',
  kafka: { partitions: 12 },
  shards: [{ url: 'postgres://a/db' }, { url: 'postgres://b/db' }],
  services: {
    purchase: { url: 'http://127.0.0.1:8080' },
    store: { url: 'http://127.0.0.1:8081' },
    consumer: { url: 'http://127.0.0.1:8082' },
  },
};

test('targets come from the stack state unless set explicitly', () => {
  const fromState = resolveTargets(loadLoadConfig({}), state);
  assert.equal(fromState.purchaseUrl, 'http://127.0.0.1:8080');
  assert.equal(fromState.consumerMetricsUrl, 'http://127.0.0.1:8082/metrics');
  assert.deepEqual(fromState.topology, { partitionCount: 12, shardCount: 2 });
  const explicit = resolveTargets(
    loadLoadConfig({ PURCHASE_URL: 'http://h:1', SHARD_URLS: 'postgres://x/y' }),
    state,
  );
  assert.equal(explicit.purchaseUrl, 'http://h:1');
  assert.deepEqual(explicit.shardUrls, ['postgres://x/y']);
});

test("the stack's API key goes to the stack's purchase service only; API_KEY wins", () => {
  const keyed = { ...state, purchaseApiKey: 'tsk_stack-key-0123456789' };
  assert.equal(resolveTargets(loadLoadConfig({}), keyed).apiKey, 'tsk_stack-key-0123456789');
  assert.equal(
    resolveTargets(loadLoadConfig({ PURCHASE_URL: 'http://127.0.0.1:8080' }), keyed).apiKey,
    'tsk_stack-key-0123456789',
  );
  assert.equal(
    resolveTargets(loadLoadConfig({ PURCHASE_URL: 'http://elsewhere:80' }), keyed).apiKey,
    undefined,
  );
  assert.equal(
    resolveTargets(loadLoadConfig({ API_KEY: 'own-key-0123456789' }), keyed).apiKey,
    'own-key-0123456789',
  );
  assert.equal(resolveTargets(loadLoadConfig({}), state).apiKey, undefined);
});

test('no purchase service anywhere is an error that says what to do', () => {
  assert.throws(() => resolveTargets(loadLoadConfig({}), { ...state, services: {} }), /PURCHASE_URL/);
});

test('config: workload variables, client list, store id base', () => {
  const config = loadLoadConfig({
    STORES: '16',
    PURCHASES_PER_HOUR: '20',
    CLIENTS: '8,16',
    STORE_ID_BASE: '5000',
  });
  assert.equal(config.profile.stores, 16);
  assert.equal(config.profile.purchasesPerHour, 20);
  assert.deepEqual(config.clients, [8, 16]);
  assert.equal(config.storeIdBase, 5000);
  assert.equal(loadLoadConfig({}).storeIdBase, undefined);
  assert.throws(() => loadLoadConfig({ ITEMS_PER_PURCHASE: '30' }), /ITEMS_PER_PURCHASE/);
  assert.throws(() => loadLoadConfig({ CLIENTS: '8,x' }), /CLIENTS/);
});

test('config: STORES_FROM=0 numbers the stores from 0 (as the course clients do); the default is 1', () => {
  assert.equal(loadLoadConfig({}).profile.firstStoreNumber, 1);
  assert.equal(loadLoadConfig({}, { stores: 256, purchasesPerHour: 20 }).profile.firstStoreNumber, 1);
  const config = loadLoadConfig({ STORES_FROM: '0', STORE_ID_BASE: '0', STORES: '4' });
  assert.equal(config.profile.firstStoreNumber, 0);
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => storeIdOf(config.profile, i)),
    [0, 1, 2, 3],
  );
  assert.throws(() => loadLoadConfig({ STORES_FROM: '2' }), /STORES_FROM/);
});

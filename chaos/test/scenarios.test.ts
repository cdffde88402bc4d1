import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadChaosConfig } from '../src/config.js';
import { chooseNetwork } from '../src/scenario-run.js';
import { planScenario, SCENARIO_NAMES } from '../src/scenarios.js';
import { listeningPorts, stackEnvironment, stackPorts } from '../src/chaos-stack.js';

test('defaults: the five scenarios, 256 clients, a 5-minute killer with a fault every 30 s', () => {
  const config = loadChaosConfig({});
  assert.deepEqual(config.scenarios, [...SCENARIO_NAMES]);
  assert.equal(config.clients, 256);
  const kill = planScenario('kill', config);
  assert.equal(kill.durationS, 300);
  assert.equal(kill.faults.length, 9);
  const netcut = planScenario('netcut', config);
  assert.deepEqual(netcut.faults, [{ kind: 'cut-kafka-node', atS: 30, holdS: 60 }]);
  assert.equal(netcut.wantsNetns, true);
  assert.deepEqual(planScenario('shard', config).faults, [{ kind: 'stop-shard', atS: 30, holdS: 60 }]);
  assert.equal(planScenario('skew', config).faketime, 'purchase:-1h,consumer:+1h');
  assert.deepEqual(planScenario('slow', config).faults, [{ kind: 'throttle-consumer', atS: 30, holdS: 60 }]);
});

test('overrides: selected scenarios, duration, kills; bad values are named', () => {
  const config = loadChaosConfig({
    SCENARIOS: 'kill,skew',
    CHAOS_DURATION_S: '40',
    CHAOS_KILLS: 'kill-consumer,kill-kafka-node',
    CHAOS_FIRST_FAULT_S: '10',
    CHAOS_FAULT_INTERVAL_S: '15',
    CHAOS_RECOVERY_S: '10',
  });
  assert.deepEqual(config.scenarios, ['kill', 'skew']);
  assert.deepEqual(
    planScenario('kill', config).faults.map((f) => `${f.atS}:${f.kind}`),
    ['10:kill-consumer', '25:kill-kafka-node'],
  );
  assert.throws(() => loadChaosConfig({ SCENARIOS: 'kill,meteor' }), /SCENARIOS/);
  assert.throws(() => loadChaosConfig({ CHAOS_KILLS: 'kill-everything' }), /CHAOS_KILLS/);
  assert.throws(() => planScenario('shard', loadChaosConfig({ CHAOS_DURATION_S: '60' })), /does not fit/);
});

test('the private stack: its own ports and directory, 3 Kafka nodes, no Prometheus', () => {
  const options = {
    name: 'kill',
    portBase: 46000,
    kafkaNetwork: 'netns' as const,
    shards: 4,
    purchaseWorkers: 2,
    storeWorkers: 2,
    partitions: 12,
    faketime: 'purchase:-1h',
  };
  const env = stackEnvironment(options, '/tmp/x');
  assert.equal(env.STACK_DIR, '/tmp/x');
  assert.equal(env.KAFKA_NODES, '3');
  assert.equal(env.KAFKA_NETWORK, 'netns');
  assert.equal(env.PROMETHEUS, 'off');
  assert.equal(env.STACK_FAKETIME_SERVICES, 'purchase:-1h');
  const ports = Object.values(stackPorts(46000));
  for (const defaultPort of [9092, 19093, 5433, 8080, 8081, 8082]) assert.ok(!ports.includes(defaultPort));
  // netns Kafka nodes listen on their own addresses; loopback ones on 127.0.0.1 beside the rest.
  assert.equal(listeningPorts(options).length, 4 + 3);
  assert.equal(new Set(listeningPorts({ ...options, kafkaNetwork: 'loopback' })).size, 6 + 4 + 3);
});

test('the Kafka network: namespaces when available and free, else loopback with the reason recorded', () => {
  assert.equal(chooseNetwork('auto', true, undefined).network, 'netns');
  assert.deepEqual(chooseNetwork('auto', true, 'the bridge tsbr0 already exists'), {
    network: 'loopback',
    reason: 'network namespaces busy: the bridge tsbr0 already exists',
  });
  assert.equal(chooseNetwork('auto', false, undefined).network, 'loopback');
  assert.throws(() => chooseNetwork('netns', false, undefined), /needs Linux/);
  assert.throws(() => chooseNetwork('netns', true, 'busy'), /busy/);
  assert.equal(chooseNetwork('loopback', true, undefined).network, 'loopback');
});

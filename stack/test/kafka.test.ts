import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaProperties, planKafkaNodes, bootstrapServers } from '../src/kafka.js';
import { loadStackSettings } from '../src/settings.js';

function props(text: string): Map<string, string> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
}

test('three nodes form one KRaft quorum with RF 3 and min.insync.replicas 2', () => {
  const settings = loadStackSettings({ KAFKA_NODES: '3', STACK_DIR: '/tmp/x' });
  const nodes = planKafkaNodes(settings);
  assert.deepEqual(
    nodes.map((n) => n.port),
    [9092, 9093, 9094],
  );
  assert.equal(bootstrapServers(settings), '127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094');
  const p = props(kafkaProperties(nodes[1]!, nodes, settings));
  assert.equal(p.get('node.id'), '2');
  assert.equal(p.get('controller.quorum.voters'), '1@127.0.0.1:19093,2@127.0.0.1:19094,3@127.0.0.1:19095');
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:9093,CONTROLLER://127.0.0.1:19094');
  assert.equal(p.get('default.replication.factor'), '3');
  assert.equal(p.get('min.insync.replicas'), '2');
  assert.equal(p.get('unclean.leader.election.enable'), 'false');
  assert.equal(p.get('auto.create.topics.enable'), 'false');
});

test('one node uses RF 1 and needs no second replica', () => {
  const settings = loadStackSettings({ STACK_DIR: '/tmp/x' });
  const nodes = planKafkaNodes(settings);
  const p = props(kafkaProperties(nodes[0]!, nodes, settings));
  assert.equal(nodes.length, 1);
  assert.equal(p.get('min.insync.replicas'), '1');
  assert.equal(p.get('offsets.topic.replication.factor'), '1');
});

test('bad settings are refused at start, naming the variable', () => {
  assert.throws(() => loadStackSettings({ KAFKA_NODES: '0' }), /KAFKA_NODES/);
  assert.throws(() => loadStackSettings({ KAFKA_HEAP_MB: '4096' }), /KAFKA_HEAP_MB/);
});

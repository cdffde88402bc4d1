import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSharedContainerStack } from '../src/containers.js';
import { loadStackSettings } from '../src/settings.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-containers-state-'));

function stateFile(name: string, status: string): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      status,
      supervisor: { pid: 1, startedAt: '2026-01-01T00:00:00.000Z' },
      kafka: {
        bootstrap: '127.0.0.1:32800',
        topic: 'purchases',
        dlqTopic: 'purchases.dlq',
        partitions: 12,
        replicationFactor: 1,
        nodes: [],
      },
      shards: [],
      services: {},
    }),
  );
  return file;
}

test('a shared container set is used as its state file describes it', async () => {
  const state = await readSharedContainerStack(stateFile('ready.json', 'ready'));
  assert.equal(state.kafka.bootstrap, '127.0.0.1:32800');
});

test('a shared container set that is not ready is refused, naming its file', async () => {
  const file = stateFile('failed.json', 'failed');
  await assert.rejects(readSharedContainerStack(file), (error: Error) => error.message.includes(file));
});

test('STACK_CONTAINERS_STATE is resolved to an absolute path; unset, each test process starts its own set', () => {
  assert.equal(
    loadStackSettings({ STACK_CONTAINERS_STATE: 'x/state.json' }).containersState,
    path.resolve('x/state.json'),
  );
  assert.equal(loadStackSettings({}).containersState, undefined);
});

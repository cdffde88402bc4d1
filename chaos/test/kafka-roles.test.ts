import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { activeController, busiestLeader, readQuorumState } from '../src/kafka-roles.js';

test('the active controller is the leader of the highest Raft epoch any node persisted', () => {
  assert.equal(
    activeController([{ leaderId: 1, leaderEpoch: 3 }, { leaderId: 2, leaderEpoch: 5 }, undefined]),
    2,
  );
  assert.equal(
    activeController([
      { leaderId: -1, leaderEpoch: 9 },
      { leaderId: 3, leaderEpoch: 1 },
    ]),
    3,
  );
  assert.equal(activeController([undefined]), undefined);
});

test('quorum-state is read from the node data directory as Kafka writes it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quorum-'));
  try {
    mkdirSync(path.join(dir, '__cluster_metadata-0'));
    writeFileSync(
      path.join(dir, '__cluster_metadata-0', 'quorum-state'),
      '{"clusterId":"","leaderId":2,"leaderEpoch":7,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":1}],"data_version":0}',
    );
    assert.deepEqual(readQuorumState(dir), { leaderId: 2, leaderEpoch: 7 });
    assert.equal(readQuorumState(path.join(dir, 'missing')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the busiest partition leader, optionally other than the controller', () => {
  const leaders = new Map([
    [1, 4],
    [2, 6],
    [3, 6],
  ]);
  assert.equal(busiestLeader(leaders), 2);
  assert.equal(busiestLeader(leaders, 2), 3);
  assert.equal(busiestLeader(new Map([[-1, 12]])), undefined);
});

// deploy/kafka/create-topics.sh against a stand-in kafka-topics.sh that keeps topics in a state file and
// records every call, so the script's decisions (create, grow, refuse to shrink, wait) are observable.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/paths.js';

const SCRIPT = path.join(REPO_ROOT, 'deploy', 'kafka', 'create-topics.sh');

const FAKE = `#!/usr/bin/env bash
# kafka-topics.sh stand-in: topics live in $FAKE_STATE as "name partitions" lines.
echo "$*" >> "$FAKE_CALLS"
args=" $* "
topic=$(sed -n 's/.*--topic \\([^ ]*\\).*/\\1/p' <<<"$args")
partitions=$(sed -n 's/.*--partitions \\([0-9]*\\).*/\\1/p' <<<"$args")
case "$args" in
  *" --list "*)
    if [ -f "$FAKE_DOWN" ] && [ "$(cat "$FAKE_DOWN")" -gt 0 ]; then echo $(( $(cat "$FAKE_DOWN") - 1 )) > "$FAKE_DOWN"; exit 1; fi
    cut -d' ' -f1 "$FAKE_STATE" ;;
  *" --describe "*)
    line=$(grep "^$topic " "$FAKE_STATE") || { echo "Topic '$topic' does not exist" >&2; exit 1; }
    printf 'Topic: %s\\tTopicId: x\\tPartitionCount: %s\\tReplicationFactor: 3\\tConfigs: min.insync.replicas=2\\n' $line ;;
  *" --create "*) echo "$topic $partitions" >> "$FAKE_STATE" ;;
  *" --alter "*) sed -i "s/^$topic .*/$topic $partitions/" "$FAKE_STATE" ;;
esac
`;

function setup(initial = '') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'create-topics-'));
  const bin = path.join(dir, 'bin');
  spawnSync('mkdir', [bin]);
  writeFileSync(path.join(bin, 'kafka-topics.sh'), FAKE);
  chmodSync(path.join(bin, 'kafka-topics.sh'), 0o755);
  const files = {
    state: path.join(dir, 'state'),
    calls: path.join(dir, 'calls'),
    down: path.join(dir, 'down'),
  };
  writeFileSync(files.state, initial);
  writeFileSync(files.calls, '');
  const run = (env: Record<string, string> = {}) => {
    writeFileSync(files.calls, '');
    return spawnSync('bash', [SCRIPT], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH!,
        KAFKA_BIN_DIR: bin,
        KAFKA_BOOTSTRAP: 'kafka-1:9092',
        FAKE_STATE: files.state,
        FAKE_CALLS: files.calls,
        FAKE_DOWN: files.down,
        ...env,
      },
    });
  };
  const calls = () => readFileSync(files.calls, 'utf8').trim().split('\n').filter(Boolean);
  const state = () => readFileSync(files.state, 'utf8').trim();
  return { run, calls, state, files };
}

describe('deploy/kafka/create-topics.sh', () => {
  it('creates both topics with the native stack defaults (12 partitions RF 3 min ISR 2; DLQ 1 partition)', () => {
    const t = setup();
    const result = t.run();
    assert.equal(result.status, 0, result.stderr);
    const creates = t.calls().filter((c) => c.includes('--create'));
    assert.deepEqual(creates, [
      '--bootstrap-server kafka-1:9092 --create --if-not-exists --topic purchases --partitions 12 --replication-factor 3 --config min.insync.replicas=2',
      '--bootstrap-server kafka-1:9092 --create --if-not-exists --topic purchases.dlq --partitions 1 --replication-factor 3 --config min.insync.replicas=2',
    ]);
    assert.equal(t.state(), 'purchases 12\npurchases.dlq 1');
  });

  it('is idempotent: a second run changes nothing', () => {
    const t = setup('purchases 12\npurchases.dlq 1\n');
    const result = t.run();
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(
      t.calls().filter((c) => /--create|--alter/.test(c)),
      [],
    );
    assert.match(result.stdout, /purchases already has 12 partitions/);
  });

  it('grows an existing topic to a larger KAFKA_PARTITIONS, and refuses to shrink one', () => {
    const t = setup('purchases 12\npurchases.dlq 1\n');
    const grown = t.run({ KAFKA_PARTITIONS: '24' });
    assert.equal(grown.status, 0, grown.stderr);
    assert.ok(
      t.calls().includes('--bootstrap-server kafka-1:9092 --alter --topic purchases --partitions 24'),
    );
    assert.equal(t.state(), 'purchases 24\npurchases.dlq 1');
    const shrunk = t.run({ KAFKA_PARTITIONS: '6' });
    assert.notEqual(shrunk.status, 0);
    assert.match(shrunk.stderr, /cannot remove partitions/);
  });

  it('waits for the brokers, and gives up after KAFKA_WAIT_SECONDS', () => {
    const t = setup();
    writeFileSync(t.files.down, '1');
    const waited = t.run();
    assert.equal(waited.status, 0, waited.stderr);
    assert.equal(t.calls().filter((c) => c.includes('--list')).length, 2);
    writeFileSync(t.files.down, '1000');
    const gaveUp = t.run({ KAFKA_WAIT_SECONDS: '0' });
    assert.notEqual(gaveUp.status, 0);
    assert.match(gaveUp.stderr, /did not answer within 0s/);
  });

  it('requires KAFKA_BOOTSTRAP', () => {
    const t = setup();
    const result = t.run({ KAFKA_BOOTSTRAP: '' });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /KAFKA_BOOTSTRAP is required/);
  });
});

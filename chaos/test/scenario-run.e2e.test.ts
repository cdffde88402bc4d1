// The shortened fault-tolerance scenario of `make test`: a private 3-node Kafka stack with 4 shards
// on its own ports (never the shared stack), 40 s of load from 24 clients, the consumer SIGKILLed and
// then a Kafka node (a partition leader) SIGKILLed, the supervisor restarting both. Every invariant
// of the chaos run must hold: each acknowledged purchaseId exactly once on its owning shard, the
// ledger equal to the shards and the Store API, no 5xx but 503 with Retry-After, every purchase
// acknowledged with retries, consumer lag back to 0.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadChaosConfig } from '../src/config.js';
import { runScenario } from '../src/scenario-run.js';
import { planScenario } from '../src/scenarios.js';

const resultsDir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-chaos-results-'));
after(() => rmSync(resultsDir, { recursive: true, force: true }));

test(
  'a consumer kill and a Kafka node kill under load lose nothing and count nothing twice',
  { timeout: 300_000 },
  async () => {
    const config = loadChaosConfig({
      SCENARIOS: 'kill',
      CHAOS_CLIENTS: '24',
      CHAOS_PURCHASES_PER_HOUR: '10',
      CHAOS_DURATION_S: '40',
      CHAOS_FIRST_FAULT_S: '10',
      CHAOS_FAULT_INTERVAL_S: '12',
      CHAOS_RECOVERY_S: '12',
      CHAOS_KILLS: 'kill-consumer,kill-kafka-leader',
      // The namespaces have fixed names; the stack CLI's own test may use them. Loopback is enough to kill.
      CHAOS_KAFKA_NETWORK: 'loopback',
      CHAOS_PORT_BASE: process.env.CHAOS_TEST_PORT_BASE ?? '47000',
      CHAOS_MAX_ATTEMPTS: '20',
      CHAOS_DRAIN_TIMEOUT_MS: '90000',
      RESULTS_DIR: resultsDir,
    });
    const scenario = planScenario('kill', config);
    assert.deepEqual(
      scenario.faults.map((f) => f.kind),
      ['kill-consumer', 'kill-kafka-leader'],
    );
    const lines: string[] = [];
    const { summary, dir } = await runScenario(scenario, config, {
      command: 'chaos e2e test',
      log: (line) => lines.push(line),
    });
    const context = `${JSON.stringify(summary.invariants, null, 2)}\n${lines.join('\n')}`;

    assert.equal(summary.faults.length, 2, context);
    for (const fault of summary.faults) {
      assert.equal(fault.error, undefined, context);
      assert.ok(fault.pid && fault.pid > 0);
      assert.equal(fault.method, 'SIGKILL');
    }
    assert.match(summary.faults[1]!.target, /^kafka-\d/);
    for (const invariant of summary.invariants)
      assert.ok(invariant.ok, `${invariant.name}: ${invariant.detail}\n${context}`);
    assert.equal(summary.ok, true);
    assert.ok(summary.exactlyOnce.acknowledged > 0);
    assert.equal(summary.exactlyOnce.acknowledged, summary.load.purchases.acknowledged);
    assert.equal(summary.load.acknowledgedShare, 1);

    const written = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { ok: boolean };
    assert.equal(written.ok, true);
    assert.match(readFileSync(path.join(dir, 'timeline.svg'), 'utf8'), /^<svg/);
    assert.ok(existsSync(path.join(dir, 'timeline.csv')));
  },
);

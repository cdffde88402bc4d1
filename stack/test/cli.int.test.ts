// The stack CLI end to end on its own ports and data dir (not the shared stack): a 3-node KRaft
// cluster and one shard, `up` twice, a killed broker leaves the topic writable, the supervisor
// restarts what dies, and `down` leaves no process behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import pg from 'pg';
import { REPO_ROOT } from '../src/settings.js';
import { isAlive, readState, type StackState } from '../src/state.js';
import { netnsAvailable, setNodeConnected } from '../src/network.js';

const run = promisify(execFile);
const stackDir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-stack-'));
const env = {
  ...process.env,
  STACK_DIR: stackDir,
  KAFKA_NODES: '3',
  KAFKA_PORT: '39092',
  KAFKA_CONTROLLER_PORT: '39192',
  KAFKA_HEAP_MB: '256',
  KAFKA_PARTITIONS: '6',
  SHARD_COUNT: '1',
  SHARD_BASE_PORT: '35433',
  STACK_SERVICES: 'false',
  PROMETHEUS: 'off',
  // Real network cuts need namespaces (Linux, root); elsewhere the cut step is skipped.
  KAFKA_NETWORK: netnsAvailable() ? 'netns' : 'loopback',
};
const cli = (command: string) =>
  step(`stack ${command}`, () =>
    run(
      process.execPath,
      [
        '--conditions=tillstream-source',
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'stack/src/cli.ts'),
        command,
      ],
      { env, cwd: REPO_ROOT, timeout: 240_000 },
    ),
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  return step(`wait for ${what}`, async () => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== undefined) return value;
      await sleep(250);
    }
    throw new Error(`timed out after ${timeoutMs / 1000}s`);
  });
}

let allPids: number[] = [];

const began = Date.now();
/**
 * Runs one step, naming it in the error when it fails and logging how long it took, so a run that
 * hits the test's timeout on a slow machine still shows where the time went.
 */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await fn();
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
  } finally {
    const at = ((Date.now() - began) / 1000).toFixed(1);
    process.stderr.write(
      `# stack test: ${name} took ${((Date.now() - start) / 1000).toFixed(1)}s (at ${at}s)\n`,
    );
  }
}
const producerOptions = {
  idempotent: true,
  maxInFlightRequests: 1,
  retry: { retries: 20, maxRetryTime: 60_000 },
};

/**
 * Sends with acks=all the way the purchase service does through a broker failure: a send that has not
 * completed in 20 s is abandoned together with its producer and retried on a fresh producer, which
 * bootstraps fresh metadata. (A kafkajs producer whose request went to a broker that vanished without
 * a reset can spend kafkajs' request timeout, 30 s by default, on each of its retries before it looks
 * elsewhere; the purchase service bounds this with its own request timeout and retry count.)
 * The first attempt uses `running`, a producer connected before the failure, like a running service.
 */
async function sendThroughFailure(
  kafka: Kafka,
  running: Producer,
  messages: Message[],
): Promise<RecordMetadata[]> {
  let producer = running;
  for (let attempt = 1; ; attempt++) {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        (async () => {
          if (producer !== running) await producer.connect();
          return producer.send({ topic: 'purchases', acks: -1, messages });
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('send did not complete in 20 s')), 20_000);
        }),
      ]);
    } catch (error) {
      process.stderr.write(`# stack test: send attempt ${attempt} failed: ${(error as Error).message}\n`);
      if (attempt === 5) throw error;
      void producer.disconnect().catch(() => undefined);
      producer = kafka.producer(producerOptions);
    } finally {
      clearTimeout(timer);
    }
  }
}

after(async () => {
  await cli('down').catch(() => undefined);
  rmSync(stackDir, { recursive: true, force: true });
});

test(
  '3-node stack: up is idempotent, survives a broker kill, restarts what dies, down leaves nothing',
  { timeout: 300_000 },
  async () => {
    await cli('up');
    const first = (await readState(stackDir))!;
    assert.equal(first.status, 'ready');
    assert.equal(first.kafka.nodes.length, 3);
    assert.equal(first.kafka.replicationFactor, 3);
    assert.equal(first.shards.length, 1);
    for (const node of first.kafka.nodes) assert.ok(isAlive(node.pid), `kafka node ${node.id} alive`);

    await cli('up');
    const second = (await readState(stackDir))!;
    assert.equal(second.supervisor.pid, first.supervisor.pid, 'a second up reuses the running stack');

    const kafka = new Kafka({
      clientId: 'stack-test',
      brokers: first.kafka.bootstrap.split(','),
      logLevel: logLevel.NOTHING,
      // Until the controller fences a killed broker (broker.session.timeout.ms), metadata still names it.
      retry: { retries: 20, maxRetryTime: 60_000 },
    });
    const admin = kafka.admin();
    await step('connect an admin client', () => admin.connect());
    const [topic] = (
      await step('fetch topic metadata', () => admin.fetchTopicMetadata({ topics: ['purchases'] }))
    ).topics;
    assert.equal(topic!.partitions.length, 6);
    for (const p of topic!.partitions) assert.equal(p.replicas.length, 3);
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: 'purchases', configNames: ['min.insync.replicas'] }],
    });
    assert.equal(configs.resources[0]!.configEntries[0]!.configValue, '2');
    await admin.disconnect();

    // Kill the leader of partition 0 (also possibly the active controller): writes with acks=all go on.
    // The producer is connected before the kill, like a running service (a client that only starts
    // while a broker is down depends on kafkajs' metadata handling, not on the cluster).
    const leaderId = topic!.partitions.find((p) => p.partitionId === 0)!.leader;
    const victim = first.kafka.nodes.find((n) => n.id === leaderId)!;
    const producer = kafka.producer(producerOptions);
    await step('connect a producer', () => producer.connect());
    process.kill(victim.pid!, 'SIGKILL');
    const acked = await step('produce with acks=all after the kill', () =>
      sendThroughFailure(
        kafka,
        producer,
        Array.from({ length: 20 }, (_, i) => ({ key: String(i), value: 'x' })),
      ),
    );
    assert.ok(acked.length > 0);
    void producer.disconnect().catch(() => undefined);

    const restarted = await waitFor('the killed broker to be restarted', async () => {
      const state = await readState(stackDir);
      const node = state?.kafka.nodes.find((n) => n.id === victim.id);
      return node && node.restarts >= 1 && isAlive(node.pid) && node.pid !== victim.pid ? state : undefined;
    });

    // A shard killed with SIGKILL comes back and accepts connections.
    process.kill(first.shards[0]!.pid!, 'SIGKILL');
    const shardBack: StackState = await waitFor('the shard to be restarted', async () => {
      const state = await readState(stackDir);
      return state && state.shards[0]!.restarts >= 1 && isAlive(state.shards[0]!.pid) ? state : undefined;
    });
    await waitFor('the shard to accept connections', async () => {
      const client = new pg.Client({ connectionString: shardBack.shards[0]!.url });
      try {
        await client.connect();
        await client.query('SELECT 1 FROM store_item_totals LIMIT 1');
        return true;
      } catch {
        return undefined;
      } finally {
        await client.end().catch(() => undefined);
      }
    });

    if (env.KAFKA_NETWORK === 'netns') {
      // Wait for full ISR, then cut the current leader of partition 0 off the network: still writable.
      const inSync = async () => {
        const a = kafka.admin();
        await a.connect();
        try {
          const [t] = (await a.fetchTopicMetadata({ topics: ['purchases'] })).topics;
          return t!.partitions.every((p) => p.isr.length === 3) ? t! : undefined;
        } finally {
          await a.disconnect();
        }
      };
      const full = await waitFor('all replicas in sync', inSync, 90_000);
      const cutId = full.partitions.find((p) => p.partitionId === 0)!.leader;
      // A producer that knows the cluster before the cut, like a running service.
      const p2 = kafka.producer(producerOptions);
      await step('connect before the cut', () => p2.connect());
      await step('produce before the cut', () =>
        p2.send({ topic: 'purchases', acks: -1, messages: [{ key: '0', value: 'before cut' }] }),
      );
      setNodeConnected(cutId, false);
      try {
        const sent = await step('produce during the cut', () =>
          sendThroughFailure(
            kafka,
            p2,
            Array.from({ length: 12 }, (_, i) => ({ key: String(i), value: 'during cut' })),
          ),
        );
        assert.ok(sent.length > 0);
      } finally {
        setNodeConnected(cutId, true);
        void p2.disconnect().catch(() => undefined);
      }
      await waitFor('the healed node to rejoin the ISR', inSync, 90_000);
    }

    const last = (await readState(stackDir))!;
    allPids = [
      last.supervisor.pid,
      ...restarted.kafka.nodes.map((n) => n.pid!),
      ...last.kafka.nodes.map((n) => n.pid!),
      ...last.shards.map((s) => s.pid!),
    ];
    await cli('down');
    for (const pid of allPids) assert.equal(isAlive(pid), false, `pid ${pid} still alive after down`);
    assert.equal(await readState(stackDir), undefined, 'state file removed');
  },
);

// A shard restored from a pg_basebackup is behind Kafka's committed offsets: the consumer must read
// again what the shard lacks, both while it runs and when it starts. Shard 0 lives on a PostgreSQL
// server of this test's own (stopped, backed up and restored here); shard 1 on the stack's server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { partitionOfStore, type PurchaseEvent, type Topology } from '@tillstream/contract';
import { dropDatabase, ensureDatabase } from '@tillstream/stack';
import {
  createTestTopic,
  startService,
  uniqueName,
  useStack,
  type RunningService,
  type TestTopic,
} from '@tillstream/stack/harness';
import { claimShardIdentities, migrate } from '@tillstream/schema';
import {
  TestProducer,
  consumerEnv,
  countPurchases,
  ledger,
  makeEvents,
  readAllTotals,
  sortedEntries,
  waitFor,
  withClient,
} from './support/pipeline.js';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';

const STORES = Array.from({ length: 40 }, (_, i) => 100 + i);

describe('a shard restored from a backup', () => {
  let server: PrivatePostgres;
  let stackServer: string;
  let topic: TestTopic;
  let producer: TestProducer;
  let urls: string[];
  const database = uniqueName('restore');
  const produced: PurchaseEvent[] = [];
  const running = new Set<RunningService>();

  const send = async (count: number) => {
    const events = makeEvents(count, STORES);
    await producer.send(events);
    produced.push(...events);
  };
  const startConsumer = async () => {
    const service = await startService(
      'consumer',
      consumerEnv(topic, urls, { LOG_LEVEL: process.env.CONSUMER_LOG_LEVEL ?? 'warn' }),
    );
    running.add(service);
    return service;
  };
  const assertLedgerExact = async (what: string) => {
    try {
      await waitFor(
        async () => (await countPurchases(urls)) === produced.length,
        90_000,
        `${produced.length} purchases on the shards (${what})`,
      );
    } catch (error) {
      for (const service of running) {
        console.error(service.output().slice(-20000));
        const metrics = await (await fetch(`${service.url}/metrics`)).text();
        console.error(
          metrics
            .split('\n')
            .filter((l) => /^consumer_(lag|partition|rows)/.test(l))
            .join('\n'),
        );
      }
      const expected = new Map<number, number>();
      for (const e of produced) {
        const p = partitionOfStore(e.storeId, { partitionCount: 12, shardCount: 2 });
        expected.set(p, (expected.get(p) ?? 0) + 1);
      }
      for (const url of urls) {
        await withClient(url, async (c) => {
          const rows = await c.query(
            'SELECT kafka_partition AS p, count(*)::int AS n, max(kafka_offset)::int AS max FROM purchases GROUP BY 1 ORDER BY 1',
          );
          const offsets = await c.query(
            'SELECT kafka_partition AS p, next_offset FROM consumer_offsets ORDER BY 1',
          );
          console.error(
            JSON.stringify({
              expected: [...expected].sort((a, b) => a[0] - b[0]),
              rows: rows.rows,
              offsets: offsets.rows,
            }),
          );
        });
      }
      throw error;
    }
    assert.deepEqual(sortedEntries(await readAllTotals(urls)), sortedEntries(ledger(produced)), what);
  };
  /** Keeps producing in the background until the returned function is called. */
  const keepLoading = () => {
    let loading = true;
    const loop = (async () => {
      while (loading) {
        await send(20);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    return async () => {
      loading = false;
      await loop;
    };
  };

  before(async () => {
    server = await startPrivatePostgres();
    stackServer = (await useStack()).shards[1]!.url;
    urls = [];
    for (const serverUrl of [server.serverUrl, stackServer]) {
      await ensureDatabase(serverUrl, database);
      const url = new URL(serverUrl);
      url.pathname = `/${database}`;
      urls.push(url.toString());
    }
    for (const url of urls) await migrate(url);
    await claimShardIdentities(urls, 12);
    topic = await createTestTopic(12);
    const topology: Topology = { partitionCount: 12, shardCount: 2 };
    producer = await TestProducer.connect(topic.brokers, topic.topic, topology);
  });

  after(async () => {
    for (const service of running) await service.kill();
    await producer?.disconnect();
    await topic?.remove();
    await dropDatabase(stackServer, database).catch(() => undefined);
    await server?.remove();
  });

  it('is filled in while the consumer runs: loading on, shard stopped, backup restored, started again', async () => {
    await startConsumer();
    await send(400);
    await assertLedgerExact('before the backup');
    const backup = server.basebackup();
    await send(400); // applied after the backup: shard 0 loses its share of these
    await assertLedgerExact('after the backup');
    const stopLoading = keepLoading();
    await new Promise((r) => setTimeout(r, 500));
    await server.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    server.restore(backup);
    await server.start();
    await new Promise((r) => setTimeout(r, 1_000));
    await stopLoading();
    await assertLedgerExact('after the restore');
  });

  it('is filled in when the consumer starts after the restore', async () => {
    const backup = server.basebackup();
    await send(300); // applied, then lost again with the restore below
    await assertLedgerExact('before the second restore');
    for (const service of running) assert.equal(await service.stop(), 0);
    running.clear();
    await server.stop();
    server.restore(backup);
    await server.start();
    // Kafka's committed offsets are past everything; only the shard says what is missing.
    await startConsumer();
    await send(100);
    await assertLedgerExact('after the restart');
  });
});

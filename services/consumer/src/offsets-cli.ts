#!/usr/bin/env node
/**
 * The operator's view of the consumer's shard-held offsets, and the recovery of a stopped partition.
 *
 *   node services/consumer/dist/offsets-cli.js status
 *   node services/consumer/dist/offsets-cli.js accept [--partition N ...]
 *
 * Same environment as the consumer (KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_PARTITIONS, SHARD_URLS).
 * `status` prints one JSON line per partition: its shard's stored offset and topic id, the topic's
 * current id and log, and the verdict. `accept` makes every stopped partition (or the ones named)
 * count in the topic's current incarnation from the start of its retained log; a running consumer
 * resumes it on its next check (CONSUMER_LAG_INTERVAL_MS). Purchases already on the shard are
 * skipped by their purchase id, so reading the log again counts nothing twice.
 *
 * Exit codes: 0 done; 1 failure; 2 bad configuration or arguments; 3 shard identity mismatch.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ConfigError } from '@tillstream/config';
import { ShardIdentityError, shardOfPartition } from '@tillstream/contract';
import { createLogger } from '@tillstream/observability';
import { checkShardIdentities } from '@tillstream/schema';
import { acceptedStart, decideStart, type PartitionLog } from './domain/assignment.js';
import { loadConsumerConfig } from './config.js';
import { createKafka } from './kafka-client.js';
import { acceptIncarnation, readPartitionOffsets } from './offsets.js';
import type { StoredOffset } from './types.js';
import { fetchTopicId } from './topic-id.js';

const USAGE = 'usage: offsets-cli status | accept [--partition N ...]';

function fail(code: number, message: string): never {
  console.error(message);
  process.exit(code);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { partition: { type: 'string', multiple: true } },
    });
  } catch (error) {
    return fail(2, `${(error as Error).message}\n${USAGE}`);
  }
})();
const command = positionals[0];
if (positionals.length !== 1 || (command !== 'status' && command !== 'accept')) fail(2, USAGE);

const config = (() => {
  try {
    return loadConsumerConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(2, error.message);
    throw error;
  }
})();
const { topic, partitions: partitionCount, brokers, clientId } = config.kafka;
const urls = config.shards.urls;
const topology = { partitionCount, shardCount: urls.length };
const only = (values.partition ?? []).map((raw) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n >= partitionCount) {
    fail(2, `--partition ${raw}: not a partition of ${topic} (0 … ${partitionCount - 1})`);
  }
  return n;
});

try {
  await checkShardIdentities(urls, partitionCount);
} catch (error) {
  if (error instanceof ShardIdentityError) {
    fail(3, error.problems.map((p) => `SHARD_IDENTITY_MISMATCH: ${p}`).join('\n'));
  }
  fail(1, `cannot read the shard identities: ${(error as Error).message}`);
}

const log = createLogger('offsets-cli', 'warn');
const kafka = createKafka({ clientId: `${clientId}-offsets-cli`, brokers }, log);
const admin = kafka.admin();
const clients = urls.map((url) => new pg.Client({ connectionString: url }));
let exitCode = 0;
try {
  await admin.connect();
  await Promise.all(clients.map((c) => c.connect()));
  const { topicId } = await fetchTopicId(brokers, topic, { clientId, timeoutMs: 5_000 });
  const logs = new Map<number, PartitionLog>(
    (await admin.fetchTopicOffsets(topic)).map((o) => [
      o.partition,
      { low: Number(o.low), high: Number(o.high) },
    ]),
  );
  const all = Array.from({ length: partitionCount }, (_, p) => p);
  const stored = new Map<number, StoredOffset>();
  for (const [shard, client] of clients.entries()) {
    const owned = all.filter((p) => shardOfPartition(p, topology) === shard);
    for (const [p, offset] of await readPartitionOffsets(client, topic, owned)) stored.set(p, offset);
  }
  let accepted = 0;
  for (const partition of all) {
    const shard = shardOfPartition(partition, topology);
    const partitionLog = logs.get(partition);
    if (partitionLog === undefined) fail(1, `partition ${partition} is not in the metadata of ${topic}`);
    const row = stored.get(partition);
    const start = decideStart(partition, row, partitionLog, topicId);
    const line = {
      partition,
      shard,
      storedNextOffset: row?.nextOffset ?? null,
      storedTopicId: row?.topicId ?? null,
      topicId: topicId ?? null,
      logStart: partitionLog.low,
      logEnd: partitionLog.high,
      verdict: start.kind === 'blocked' ? start.reason : 'ok',
    };
    const chosen = only.length === 0 || only.includes(partition);
    if (command === 'accept' && chosen && start.kind === 'blocked') {
      const nextOffset = acceptedStart(partitionLog);
      await acceptIncarnation(clients[shard]!, topic, partition, topicId ?? null, nextOffset);
      accepted += 1;
      console.log(JSON.stringify({ ...line, accepted: { topicId: topicId ?? null, nextOffset } }));
    } else if (command === 'status' || (command === 'accept' && only.includes(partition))) {
      console.log(JSON.stringify(line));
    }
  }
  if (command === 'accept') {
    console.error(
      accepted === 0
        ? 'nothing to accept: no partition is stopped'
        : `accepted the current incarnation of ${topic} for ${accepted} partition(s); a running consumer resumes them on its next check`,
    );
  }
} catch (error) {
  console.error(`offsets-cli ${command} failed: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await admin.disconnect().catch(() => undefined);
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
}
process.exit(exitCode);

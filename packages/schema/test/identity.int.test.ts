// The shard identity rows written by the migration runner, and its refusal of a misordered
// SHARD_URLS, through the real CLI against real PostgreSQL databases (two "shards" of a cluster as
// two databases of the stack's first shard server).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { useStack, uniqueName } from '@tillstream/stack/harness';
import { dropDatabase, ensureDatabase } from '@tillstream/stack';
import { claimShardIdentities, readShardIdentity } from '../src/identity.js';
import { migrate } from '../src/migrate.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const runCli = (urls: readonly string[], partitions = '12') =>
  spawnSync(process.execPath, ['--conditions=tillstream-source', '--import', 'tsx', cli], {
    env: { ...process.env, SHARD_URLS: urls.join(','), KAFKA_PARTITIONS: partitions },
    encoding: 'utf8',
    timeout: 60_000,
  });

async function identityOf(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await readShardIdentity(client);
  } finally {
    await client.end();
  }
}

describe('shard identity', () => {
  let server: string;
  const databases: string[] = [];
  const freshDatabase = async (): Promise<string> => {
    const name = uniqueName('identity');
    await ensureDatabase(server, name);
    databases.push(name);
    const url = new URL(server);
    url.pathname = `/${name}`;
    return url.toString();
  };

  before(async () => {
    server = (await useStack()).shards[0]!.url;
  });
  after(async () => {
    await Promise.all(databases.map((d) => dropDatabase(server, d)));
  });

  it('the CLI gives shard i of SHARD_URLS index i, the counts, and one cluster id; a second run changes nothing', async () => {
    const urls = [await freshDatabase(), await freshDatabase()];
    const first = runCli(urls);
    assert.equal(first.status, 0, first.stderr);
    const [a, b] = [await identityOf(urls[0]!), await identityOf(urls[1]!)];
    assert.deepEqual(
      { ...a, clusterId: undefined },
      { clusterId: undefined, shardIndex: 0, shardCount: 2, partitionCount: 12 },
    );
    assert.equal(b!.shardIndex, 1);
    assert.equal(a!.clusterId, b!.clusterId);
    assert.match(a!.clusterId, /^[0-9a-f-]{36}$/);
    assert.equal(runCli(urls).status, 0);
    assert.deepEqual(await identityOf(urls[0]!), a);
  });

  it('the CLI refuses two swapped URLs with exit 3 and names both entries', async () => {
    const urls = [await freshDatabase(), await freshDatabase()];
    assert.equal(runCli(urls).status, 0);
    const swapped = runCli([urls[1]!, urls[0]!]);
    assert.equal(swapped.status, 3);
    assert.match(
      swapped.stderr,
      /SHARD_IDENTITY_MISMATCH: SHARD_URLS entry 0 \(.*\) is shard 1, not shard 0/,
    );
    assert.match(
      swapped.stderr,
      /SHARD_URLS entry 1 \(.*\) is shard 0, not shard 1: SHARD_URLS is misordered/,
    );
    assert.doesNotMatch(swapped.stderr, /tillstream@|:tillstream@/, 'no credentials in the message');
  });

  it('a cluster is never extended by another shard count, nor re-labelled with another partition count', async () => {
    const urls = [await freshDatabase(), await freshDatabase()];
    assert.equal(runCli(urls).status, 0);
    const third = await freshDatabase();
    const grown = runCli([...urls, third]);
    assert.equal(grown.status, 3);
    assert.match(grown.stderr, /belongs to a cluster of 2 shards, but SHARD_URLS has 3/);
    assert.equal(await identityOf(third), undefined, 'the new database was not given an identity');
    const repartitioned = runCli(urls, '24');
    assert.equal(repartitioned.status, 3);
    assert.match(repartitioned.stderr, /was created for 12 partitions, but KAFKA_PARTITIONS is 24/);
  });

  it('a shard that lost its row (restored from an old dump) gets the cluster id of the others back', async () => {
    const urls = [await freshDatabase(), await freshDatabase()];
    await Promise.all(urls.map((url) => migrate(url)));
    const [a] = await claimShardIdentities(urls, 12);
    const client = new pg.Client({ connectionString: urls[1] });
    await client.connect();
    await client.query('DELETE FROM shard_identity');
    await client.end();
    const again = await claimShardIdentities(urls, 12);
    assert.equal(again[1]!.clusterId, a!.clusterId);
    assert.equal(again[1]!.shardIndex, 1);
  });
});

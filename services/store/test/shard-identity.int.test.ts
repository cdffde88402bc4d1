// The built store service refuses SHARD_URLS or SHARD_REPLICA_URLS that do not match the shards'
// identity rows: it exits 3 and names the problem instead of answering from the wrong shards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestShards, startService, type TestShards } from '@tillstream/stack/harness';

describe('store: shard identity at start', () => {
  let shards: TestShards;
  before(async () => {
    shards = await createTestShards();
  });
  after(async () => {
    await shards?.remove();
  });

  const start = (env: Record<string, string>) =>
    startService('store', { KAFKA_PARTITIONS: '12', STORE_WORKERS: '2', ...env }, { timeoutMs: 30_000 });
  const refusal = async (env: Record<string, string>): Promise<string> =>
    start(env).then(
      async (service) => {
        await service.kill();
        return assert.fail('the store service started');
      },
      (e: Error) => {
        assert.match(e.message, /store exited with 3 before it was ready/);
        return e.message;
      },
    );

  it('refuses two swapped URLs, naming both entries', async () => {
    const [a, b, ...rest] = shards.urls;
    const output = await refusal({ SHARD_URLS: [a!, ...rest.slice(0, 1), b!, ...rest.slice(1)].join(',') });
    assert.match(
      output,
      /SHARD_IDENTITY_MISMATCH: SHARD_URLS entry 1 \(.*\) is shard 2, not shard 1: SHARD_URLS is misordered/,
    );
    assert.match(output, /SHARD_IDENTITY_MISMATCH: SHARD_URLS entry 2 \(.*\) is shard 1, not shard 2/);
  });

  it('refuses a shard count, a partition count or a replica that does not match', async () => {
    assert.match(
      await refusal({ SHARD_URLS: shards.urls.slice(0, 2).join(',') }),
      /belongs to a cluster of 4 shards, but SHARD_URLS has 2/,
    );
    assert.match(
      await refusal({ SHARD_URLS: shards.urls.join(','), KAFKA_PARTITIONS: '16' }),
      /was created for 12 partitions, but KAFKA_PARTITIONS is 16/,
    );
    // Shard 3's "replica" is shard 0.
    assert.match(
      await refusal({ SHARD_URLS: shards.urls.join(','), SHARD_REPLICA_URLS: `,,,${shards.urls[0]}` }),
      /entry 3 .* is shard 0, not shard 3/,
    );
  });

  it('starts with the URLs in shard order', async () => {
    const service = await start({ SHARD_URLS: shards.urls.join(',') });
    assert.equal((await fetch(`${service.url}/readyz`)).status, 200);
    await service.stop();
  });
});

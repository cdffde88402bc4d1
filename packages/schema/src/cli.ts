#!/usr/bin/env node
// Applies the migrations to every shard in SHARD_URLS (comma-separated), then gives each shard its
// identity row (entry i is shard i; KAFKA_PARTITIONS, default 12 like the services) or checks the one
// it has. Used by the native stack, the compose `migrate` service and the Kubernetes migration Job.
// Exit 2: bad configuration; 1: a migration failed; 3: a shard is not the one its position says.
import { ConfigError, int, loadConfig, urlList } from '@tillstream/config';
import { ShardIdentityError } from '@tillstream/contract';
import { claimShardIdentities } from './identity.js';
import { migrate } from './migrate.js';

let shardUrls: readonly string[];
let partitionCount: number;
try {
  ({ shardUrls, partitionCount } = loadConfig(
    { SHARD_URLS: urlList(['postgres:', 'postgresql:']), KAFKA_PARTITIONS: int(12, 1, 10_000) },
    process.env,
    (e) => {
      if (e.SHARD_URLS.length === 0) {
        throw new ConfigError(['SHARD_URLS: set it to the comma-separated postgres:// URLs of the shards']);
      }
      if (e.KAFKA_PARTITIONS < e.SHARD_URLS.length) {
        throw new ConfigError([
          `KAFKA_PARTITIONS: ${e.KAFKA_PARTITIONS} is less than the ${e.SHARD_URLS.length} SHARD_URLS`,
        ]);
      }
      return { shardUrls: e.SHARD_URLS, partitionCount: e.KAFKA_PARTITIONS };
    },
  ));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
let failed = false;
for (const [index, url] of shardUrls.entries()) {
  try {
    const applied = await migrate(url);
    console.log(JSON.stringify({ shard: index, applied }));
  } catch (error) {
    failed = true;
    console.error(JSON.stringify({ shard: index, error: (error as Error).message }));
  }
}
if (failed) process.exit(1);
try {
  const identities = await claimShardIdentities(shardUrls, partitionCount);
  console.log(
    JSON.stringify({ cluster: identities[0]!.clusterId, shards: identities.length, partitionCount }),
  );
} catch (error) {
  if (error instanceof ShardIdentityError) {
    for (const problem of error.problems) console.error(`SHARD_IDENTITY_MISMATCH: ${problem}`);
    process.exit(3);
  }
  console.error(JSON.stringify({ error: (error as Error).message }));
  process.exit(1);
}
process.exit(0);

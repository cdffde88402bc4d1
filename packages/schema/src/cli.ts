#!/usr/bin/env node
// Applies the migrations to every shard in SHARD_URLS (comma-separated). Used by the native stack,
// the compose `migrate` service and the Kubernetes migration Job.
import { ConfigError, loadConfig, urlList } from '@tillstream/config';
import { migrate } from './migrate.js';

let shardUrls: readonly string[];
try {
  ({ shardUrls } = loadConfig({ SHARD_URLS: urlList(['postgres:', 'postgresql:']) }, process.env, (e) => {
    if (e.SHARD_URLS.length === 0) {
      throw new ConfigError(['SHARD_URLS: set it to the comma-separated postgres:// URLs of the shards']);
    }
    return { shardUrls: e.SHARD_URLS };
  }));
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
process.exit(failed ? 1 : 0);

#!/usr/bin/env node
// Applies the migrations to every shard in SHARD_URLS (comma-separated). Used by the native stack,
// the compose `migrate` service and the Kubernetes migration Job.
import { migrate } from './migrate.js';

const urls = (process.env.SHARD_URLS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
if (urls.length === 0) {
  console.error('SHARD_URLS is empty: set it to the comma-separated postgres:// URLs of the shards');
  process.exit(2);
}
let failed = false;
for (const [index, url] of urls.entries()) {
  try {
    const applied = await migrate(url);
    console.log(JSON.stringify({ shard: index, applied }));
  } catch (error) {
    failed = true;
    console.error(JSON.stringify({ shard: index, error: (error as Error).message }));
  }
}
process.exit(failed ? 1 : 0);

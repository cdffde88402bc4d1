#!/usr/bin/env node
// Runs one tier of tests with node's built-in runner: unit (*.test.ts), int (*.int.test.ts, real Kafka
// and PostgreSQL from the stack harness), e2e (*.e2e.test.ts, the whole stack) or containers
// (*.containers.test.ts, the compose stack on a Docker engine). Tests run from
// source through tsx with the `tillstream-source` export condition, so packages need no build.
// Extra arguments narrow the files: `node scripts/run-tests.mjs int services/consumer`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const tier = process.argv[2];
const filters = process.argv.slice(3);
const suffix = {
  unit: /(?<!\.int|\.e2e|\.containers)\.test\.ts$/,
  int: /\.int\.test\.ts$/,
  e2e: /\.e2e\.test\.ts$/,
  // Docker: the compose stack from docker-compose.yml (deploy/docker/test-tier.sh runs it after make images).
  containers: /\.containers\.test\.ts$/,
}[tier];
if (!suffix) {
  console.error('usage: run-tests.mjs unit|int|e2e|containers [path-prefix …]');
  process.exit(2);
}

const roots = ['packages', 'services', 'stack', 'loadtest', 'chaos', 'deploy', 'scripts'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (suffix.test(name) && full.split(path.sep).includes('test')) files.push(full);
  }
}
for (const root of roots) {
  try {
    walk(root);
  } catch {
    // root absent
  }
}
const selected = files.filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p))).sort();
if (selected.length === 0) {
  console.error(`no ${tier} test files found`);
  process.exit(1);
}

const concurrency = tier === 'unit' ? 2 : 1;
const result = spawnSync(
  process.execPath,
  [
    '--conditions=tillstream-source',
    '--import',
    'tsx',
    '--test',
    // A file whose tests have finished exits even if a client library still holds a socket open
    // (e.g. a kafkajs request to a broker a test cut off), so one wedged handle cannot stall the run.
    '--test-force-exit',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...selected,
  ],
  { stdio: 'inherit', env: { ...process.env, TILLSTREAM_TEST_TIER: tier } },
);
process.exit(result.status ?? 1);

#!/usr/bin/env node
// `make demo` on a fresh clone: install the npm dependencies when missing, build every workspace the
// demo runs (shared packages, stack, the three services, the load runner), then run the demo
// (loadtest/src/demo.ts): stack up, a short phased CS6650 run, drain, checks, results, stack down.
// Environment variables pass through (KEEP=1, STORES, PURCHASES_PER_HOUR, …; loadtest/README.md).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
run('npx', ['tsc', '-b', '.', 'services/purchase', 'services/consumer', 'services/store', 'loadtest']);
run(process.execPath, [path.join(root, 'loadtest', 'dist', 'demo.js')]);

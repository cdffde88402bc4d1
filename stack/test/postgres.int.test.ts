import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { findPostgresBin } from '../src/prerequisites.js';
import { initShard, planShards, serverUser } from '../src/postgres.js';
import { loadStackSettings } from '../src/settings.js';

it('initdb reaches a stack directory below a folder only root may enter (a checkout in /root)', (t) => {
  if (!serverUser()) return t.skip('not root: PostgreSQL runs as this user, which can reach its own folders');
  // mkdtemp makes a 0700 folder: the same obstacle as root's home for the `postgres` user.
  const home = mkdtempSync(path.join(os.tmpdir(), 'tillstream-private-home-'));
  try {
    assert.equal(statSync(home).mode & 0o777, 0o700);
    const settings = loadStackSettings({
      STACK_DIR: path.join(home, 'checkout', '.stack'),
      SHARD_COUNT: '1',
    });
    const [shard] = planShards(settings);
    initShard(shard!, settings, findPostgresBin(settings));
    assert.ok(existsSync(path.join(shard!.dataDir, 'PG_VERSION')), 'initdb made a cluster');
    assert.equal(statSync(home).mode & 0o777, 0o711, 'search permission only, no listing');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

// deploy/compose/env.sh (`make env`): the .env docker-compose.yml reads, with a generated API key.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseEnvFile } from '../src/compose.js';
import { REPO_ROOT } from '../src/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-make-env-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function makeEnv(file: string): string {
  const result = spawnSync('bash', [path.join(REPO_ROOT, 'deploy', 'compose', 'env.sh')], {
    env: { ...process.env, ENV_FILE: file },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

const read = (file: string) => parseEnvFile(readFileSync(file, 'utf8'));

test('creates a private .env from .env.example with a generated key, and keeps it on the next run', () => {
  const file = path.join(dir, 'fresh.env');
  makeEnv(file);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const env = read(file);
  const example = parseEnvFile(readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8'));
  assert.deepEqual(Object.keys(env).sort(), Object.keys(example).sort());
  assert.match(env.PURCHASE_API_KEYS!, /^tsk_[A-Za-z0-9_-]{43}$/);
  assert.equal(env.PURCHASE_AUTH, 'on');
  assert.equal(makeEnv(file), '', 'a second run changes nothing');
  assert.equal(read(file).PURCHASE_API_KEYS, env.PURCHASE_API_KEYS);
  makeEnv(path.join(dir, 'other.env'));
  assert.notEqual(read(path.join(dir, 'other.env')).PURCHASE_API_KEYS, env.PURCHASE_API_KEYS);
});

test('an existing .env keeps every value it sets; a missing or empty key is generated', () => {
  const own = path.join(dir, 'own.env');
  writeFileSync(own, 'POSTGRES_PASSWORD=mine\nPURCHASE_API_KEYS=an-operator-chosen-key-0123\n', {
    mode: 0o644,
  });
  makeEnv(own);
  assert.deepEqual(read(own), {
    POSTGRES_PASSWORD: 'mine',
    PURCHASE_API_KEYS: 'an-operator-chosen-key-0123',
  });
  assert.equal(statSync(own).mode & 0o777, 0o600);

  const empty = path.join(dir, 'empty.env');
  writeFileSync(empty, 'POSTGRES_PASSWORD=mine\nPURCHASE_API_KEYS=\n');
  makeEnv(empty);
  assert.match(read(empty).PURCHASE_API_KEYS!, /^tsk_/);
  assert.equal(read(empty).POSTGRES_PASSWORD, 'mine');

  const missing = path.join(dir, 'missing.env');
  writeFileSync(missing, 'POSTGRES_PASSWORD=mine\n');
  makeEnv(missing);
  assert.match(read(missing).PURCHASE_API_KEYS!, /^tsk_/);
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { apiKeyFile, ensureStackApiKey, newApiKey, readStackApiKey } from '../src/api-key.js';

test('a stack directory gets one key, mode 0600, kept across starts', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-api-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(readStackApiKey(dir), undefined);
  const key = ensureStackApiKey(dir);
  assert.match(key, /^tsk_[A-Za-z0-9_-]{43}$/);
  assert.equal(statSync(apiKeyFile(dir)).mode & 0o777, 0o600);
  assert.equal(ensureStackApiKey(dir), key);
  assert.equal(readStackApiKey(dir), key);
  assert.equal(readFileSync(apiKeyFile(dir), 'utf8'), `${key}\n`);
});

test('an existing key file is kept and made private', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-api-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(apiKeyFile(dir), 'an-operator-chosen-key\n');
  chmodSync(apiKeyFile(dir), 0o644);
  assert.equal(ensureStackApiKey(dir), 'an-operator-chosen-key');
  assert.equal(statSync(apiKeyFile(dir)).mode & 0o777, 0o600);
});

test('keys are random and long enough for the purchase service (at least 16 characters)', () => {
  const keys = new Set(Array.from({ length: 100 }, () => newApiKey()));
  assert.equal(keys.size, 100);
  for (const key of keys) assert.ok(key.length >= 16 && !/[\s,]/.test(key));
});

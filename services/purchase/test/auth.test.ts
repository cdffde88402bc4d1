import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiKeyAuthenticator, keyIdOf } from '../src/auth.js';

test('no keys configured: every request is accepted without a key id', () => {
  const auth = apiKeyAuthenticator([]);
  assert.equal(auth.open, true);
  assert.deepEqual(auth.authenticate(undefined), { ok: true, keyId: undefined });
  assert.deepEqual(auth.authenticate('Bearer anything'), { ok: true, keyId: undefined });
});

test('with keys: only a configured bearer key is accepted, identified by its key id', () => {
  const auth = apiKeyAuthenticator(['alpha-secret', 'beta-secret']);
  assert.equal(auth.open, false);
  assert.deepEqual(auth.authenticate('Bearer beta-secret'), { ok: true, keyId: keyIdOf('beta-secret') });
  assert.deepEqual(auth.authenticate('bearer alpha-secret'), { ok: true, keyId: keyIdOf('alpha-secret') });
  for (const header of [
    undefined,
    '',
    'Bearer',
    'Bearer gamma',
    'Basic alpha-secret',
    'alpha-secret',
    'Bearer alpha-secret x',
  ]) {
    assert.equal(auth.authenticate(header).ok, false, String(header));
  }
});

test('a refusal says why, and names a sent but unknown key by its id only', () => {
  const auth = apiKeyAuthenticator(['alpha-secret']);
  const refusal = (header: string | undefined) => {
    const result = auth.authenticate(header);
    assert.equal(result.ok, false, String(header));
    return result.ok ? undefined : [result.reason, result.keyId];
  };
  assert.deepEqual(refusal(undefined), ['missing', undefined]);
  assert.deepEqual(refusal('  '), ['missing', undefined]);
  assert.deepEqual(refusal('Basic alpha-secret'), ['malformed', undefined]);
  assert.deepEqual(refusal('Bearer'), ['malformed', undefined]);
  assert.deepEqual(refusal('Bearer revoked-secret'), ['unknown_key', keyIdOf('revoked-secret')]);
});

test('a key id tells keys apart and does not contain the key', () => {
  const id = keyIdOf('alpha-secret');
  assert.match(id, /^[0-9a-f]{12}$/);
  assert.notEqual(id, keyIdOf('beta-secret'));
  assert.ok(!id.includes('alpha'));
});

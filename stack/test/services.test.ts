import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockSkewEnvironments } from '../src/services.js';

test('STACK_FAKETIME_SERVICES runs the named services under libfaketime with a fixed offset', () => {
  const skews = clockSkewEnvironments('purchase:-1h, consumer:+3600', '/bin/sh');
  assert.deepEqual(skews.get('purchase'), {
    LD_PRELOAD: '/bin/sh',
    FAKETIME: '-1h',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  });
  assert.equal(skews.get('consumer')?.FAKETIME, '+3600');
  assert.equal(skews.get('store'), undefined);
  assert.equal(clockSkewEnvironments(undefined).size, 0);
  assert.equal(clockSkewEnvironments('').size, 0);
  assert.throws(() => clockSkewEnvironments('kafka:+1h', '/bin/sh'), /not <service>:<±offset>/);
  assert.throws(() => clockSkewEnvironments('purchase:1h', '/bin/sh'), /not <service>:<±offset>/);
  assert.throws(() => clockSkewEnvironments('purchase:-1h', '/nonexistent/libfaketime.so.1'), /faketime/);
});

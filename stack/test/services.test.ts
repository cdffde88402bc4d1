import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import { clockSkewEnvironments, LIBFAKETIME, servicePlans } from '../src/services.js';
import { loadStackSettings } from '../src/settings.js';

const KEY = 'tsk_test-key-0123456789';

test('the purchase service is given the stack key as its only API key; no service runs with auth off', () => {
  for (const mode of ['kafka-sharded', 'sync-db', 'rabbitmq']) {
    const plans = servicePlans(loadStackSettings({ MODE: mode }), KEY);
    const purchase = plans.find((p) => p.name === 'purchase')!;
    assert.equal(purchase.spec.env?.PURCHASE_API_KEYS, KEY, mode);
    for (const plan of plans) {
      assert.equal(plan.spec.env?.PURCHASE_AUTH, undefined, `${mode} ${plan.name}`);
      if (plan.name !== 'purchase') assert.equal(plan.spec.env?.PURCHASE_API_KEYS, undefined);
    }
  }
});

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

test(
  'the supervisor plans the skew the stack settings name, on those services only',
  { skip: !existsSync(LIBFAKETIME) && 'libfaketime is not installed' },
  () => {
    const plans = servicePlans(loadStackSettings({ STACK_FAKETIME_SERVICES: 'purchase:-1h' }), KEY);
    const env = (name: string) => plans.find((p) => p.name === name)!.spec.env!;
    assert.equal(env('purchase').FAKETIME, '-1h');
    assert.equal(env('purchase').LD_PRELOAD, LIBFAKETIME);
    assert.equal(env('store').FAKETIME, undefined);
    assert.equal(env('consumer').LD_PRELOAD, undefined);
    assert.equal(
      servicePlans(loadStackSettings({}), KEY).some((p) => p.spec.env?.FAKETIME !== undefined),
      false,
    );
  },
);

test('STACK_SERVICE_NODE_ARGS: every service starts with those Node options, before its entry point', () => {
  const plans = servicePlans(
    loadStackSettings({ STACK_SERVICE_NODE_ARGS: ' --cpu-prof  --cpu-prof-dir=/tmp/p ' }),
    KEY,
  );
  for (const plan of plans)
    assert.deepEqual(plan.spec.args, ['--cpu-prof', '--cpu-prof-dir=/tmp/p', plan.entry]);
  for (const plan of servicePlans(loadStackSettings({}), KEY)) assert.deepEqual(plan.spec.args, [plan.entry]);
});

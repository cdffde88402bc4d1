import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publishOptions } from '../../src/baselines/rabbitmq.js';

test('messages are persistent JSON carrying the event headers and the store key', () => {
  const options = publishOptions({
    key: '42',
    value: '{}',
    headers: { 'schema-version': '1', traceparent: '00-abc' },
  });
  assert.equal(options.persistent, true);
  assert.equal(options.contentType, 'application/json');
  assert.deepEqual(options.headers, { 'schema-version': '1', traceparent: '00-abc', 'store-key': '42' });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childTraceContext, formatTraceparent, parseTraceparent } from '../src/traceparent.js';

test('a valid traceparent round-trips and a child keeps the trace id', () => {
  const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const parsed = parseTraceparent(header);
  assert.ok(parsed);
  assert.equal(formatTraceparent(parsed), header);
  const child = childTraceContext(parsed);
  assert.equal(child.traceId, parsed.traceId);
  assert.notEqual(child.parentId, parsed.parentId);
  assert.match(formatTraceparent(child), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
});

test('malformed or all-zero traceparents are ignored', () => {
  for (const bad of [
    undefined,
    '',
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '00-xyz-00f067aa0ba902b7-01',
  ]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
  assert.match(formatTraceparent(childTraceContext(undefined)), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONSUMER_ERRORS, ConsumerError, classifyShardError } from '../src/errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifyShardError', () => {
  const cases: [unknown, string][] = [
    [withCode('ECONNREFUSED'), 'SHARD_UNAVAILABLE'],
    [withCode('ECONNRESET'), 'SHARD_UNAVAILABLE'],
    [new Error('Connection terminated unexpectedly'), 'SHARD_UNAVAILABLE'],
    [new Error('timeout exceeded when trying to connect'), 'SHARD_UNAVAILABLE'],
    [withCode('57P01'), 'SHARD_UNAVAILABLE'],
    [withCode('08006'), 'SHARD_UNAVAILABLE'],
    [withCode('55000', 'database "x" is not currently accepting connections'), 'SHARD_UNAVAILABLE'],
    [withCode('40001'), 'SHARD_CONFLICT'],
    [withCode('40P01'), 'SHARD_CONFLICT'],
    [withCode('53300'), 'SHARD_OVERLOADED'],
    [withCode('57014'), 'SHARD_OVERLOADED'],
    [withCode('3D000'), 'SHARD_MISCONFIGURED'],
    [withCode('42P01'), 'SHARD_MISCONFIGURED'],
    [withCode('28P01'), 'SHARD_MISCONFIGURED'],
    [withCode('22008'), 'EVENT_REJECTED_BY_SHARD'],
    [withCode('23514'), 'EVENT_REJECTED_BY_SHARD'],
    [withCode('XX000'), 'INTERNAL'],
    [new Error('something new'), 'INTERNAL'],
    ['a string', 'INTERNAL'],
  ];
  for (const [error, expected] of cases) {
    it(`${(error as { code?: string }).code ?? (error as Error).message ?? error} → ${expected}`, () => {
      const classified = classifyShardError(error);
      assert.equal(classified.code, expected);
      assert.equal(classified.retriable, CONSUMER_ERRORS[classified.code].retriable);
    });
  }

  it('only poison events and a topology mismatch are not retriable; nothing retriable is dead-lettered', () => {
    const notRetriable = Object.entries(CONSUMER_ERRORS)
      .filter(([, spec]) => !spec.retriable)
      .map(([code]) => code)
      .sort();
    assert.deepEqual(notRetriable, [
      'EVENT_INVALID',
      'EVENT_REJECTED_BY_SHARD',
      'EVENT_UNPARSEABLE',
      'EVENT_UNSUPPORTED_VERSION',
      'EVENT_WRONG_PARTITION',
      'IDEMPOTENCY_KEY_CONFLICT',
      'TOPIC_MISMATCH',
    ]);
    for (const spec of Object.values(CONSUMER_ERRORS)) {
      // A retriable failure is never dead-lettered.
      if (spec.retriable) assert.equal(spec.dlqReason, null);
      if (spec.dlqReason !== null) assert.equal(spec.retriable, false);
    }
  });

  it('passes a ConsumerError through unchanged', () => {
    const error = new ConsumerError('DLQ_UNAVAILABLE', 'broker gone');
    assert.equal(classifyShardError(error), error);
  });
});

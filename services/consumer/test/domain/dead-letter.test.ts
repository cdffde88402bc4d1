import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PoisonMessage } from '../../src/domain/batch-plan.js';
import { DeadLetterHeaders, toDeadLetter } from '../../src/domain/dead-letter.js';
import { message } from '../support/events.js';

describe('toDeadLetter', () => {
  const poison = (detail: string): PoisonMessage => ({
    kind: 'poison',
    offset: 41,
    message: message(41, '{oops'),
    reason: 'unparseable',
    detail,
  });
  const source = { topic: 'purchases', partition: 3, groupId: 'purchase-writers' };
  const at = new Date('2025-02-01T00:00:00Z');

  it('keeps the original key, value and headers and adds why and where from', () => {
    const letter = toDeadLetter(poison('Unexpected token o'), source, at);
    assert.equal(letter.value!.toString(), '{oops');
    assert.equal(letter.key!.toString(), 'k');
    assert.deepEqual(letter.headers, {
      'schema-version': '1',
      [DeadLetterHeaders.reason]: 'unparseable',
      [DeadLetterHeaders.detail]: 'Unexpected token o',
      [DeadLetterHeaders.sourceTopic]: 'purchases',
      [DeadLetterHeaders.sourcePartition]: '3',
      [DeadLetterHeaders.sourceOffset]: '41',
      [DeadLetterHeaders.consumerGroup]: 'purchase-writers',
      [DeadLetterHeaders.failedAt]: '2025-02-01T00:00:00.000Z',
    });
  });

  it('bounds the detail', () => {
    const letter = toDeadLetter(poison('x'.repeat(10_000)), source, at);
    assert.ok((letter.headers[DeadLetterHeaders.detail] as string).length <= 2001);
  });
});

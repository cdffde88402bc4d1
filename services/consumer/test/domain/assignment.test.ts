import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedStart, decideStart } from '../../src/domain/assignment.js';

const ID = '5d06ef49-0b00-453c-97bc-6f785044611e';
const OTHER = '63ff665e-91d1-4eae-890e-1e89ee71b316';
const log = { low: 10, high: 500 };

describe('decideStart', () => {
  it('resumes at the shard offset, wherever Kafka committed', () => {
    assert.deepEqual(decideStart(3, { nextOffset: 120, topicId: ID }, log, ID), {
      kind: 'seek',
      offset: 120,
    });
    assert.deepEqual(decideStart(3, { nextOffset: 500, topicId: ID }, log, ID), {
      kind: 'seek',
      offset: 500,
    });
  });

  it('starts a partition the shard has never applied at the log start', () => {
    assert.deepEqual(decideStart(3, undefined, log, ID), { kind: 'seek', offset: 10 });
  });

  it('stops a partition whose offsets belong to another topic id', () => {
    const start = decideStart(3, { nextOffset: 120, topicId: OTHER }, log, ID);
    assert.equal(start.kind, 'blocked');
    assert.equal(start.kind === 'blocked' && start.reason, 'topic-recreated');
    assert.match(start.kind === 'blocked' ? start.detail : '', /topic id 63ff665e.*now has id 5d06ef49/);
  });

  it('stops a partition whose stored offset lies beyond the log end, even without topic ids', () => {
    for (const [stored, current] of [
      [ID, ID],
      [null, undefined],
      [null, ID],
    ] as const) {
      const start = decideStart(3, { nextOffset: 501, topicId: stored }, log, current);
      assert.equal(start.kind === 'blocked' && start.reason, 'offset-beyond-log-end', `${stored} ${current}`);
    }
  });

  it('adopts the current id for rows written before ids were stored', () => {
    assert.deepEqual(decideStart(3, { nextOffset: 120, topicId: null }, log, ID), {
      kind: 'seek',
      offset: 120,
    });
  });

  it('resumes at the log start, with a warning, when retention deleted what the shard had not applied', () => {
    const start = decideStart(3, { nextOffset: 4, topicId: ID }, log, ID);
    assert.equal(start.kind, 'seek');
    assert.equal(start.kind === 'seek' && start.offset, 10);
    assert.match(start.kind === 'seek' ? (start.warning ?? '') : '', /offsets 4–9 were deleted by retention/);
  });

  it('the recovery re-reads the whole retained log', () => {
    assert.equal(acceptedStart(log), 10);
  });
});

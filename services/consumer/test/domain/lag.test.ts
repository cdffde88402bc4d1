import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLagTracker } from '../../src/domain/lag.js';

describe('createLagTracker', () => {
  it('reports high watermark minus position for assigned partitions only', () => {
    const lag = createLagTracker();
    lag.assign([0, 1, 2]);
    lag.recordHighWatermark(0, 100);
    lag.recordHighWatermark(1, 50);
    lag.recordHighWatermark(9, 10); // not assigned
    lag.recordCommitted(0, 40);
    lag.recordPosition(0, 90);
    lag.recordCommitted(0, 60); // an older commit does not move the position back
    assert.deepEqual(
      [...lag.lags()],
      [
        [0, 10],
        [1, 50],
      ],
    );
  });

  it('drops the partitions a rebalance took away', () => {
    const lag = createLagTracker();
    lag.assign([0, 1]);
    lag.recordHighWatermark(1, 5);
    assert.deepEqual(lag.assign([0, 3]), [1]);
    assert.deepEqual([...lag.lags()], []);
  });
});

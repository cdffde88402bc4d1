import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { staleDashboards } from '../src/generate.js';

describe('generate', () => {
  it('the committed dashboards/*.json are what the definitions render', async () => {
    assert.deepEqual(
      await staleDashboards(),
      [],
      'regenerate with: node --import tsx deploy/grafana/src/generate.ts',
    );
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchCommand, commitOf } from '../../src/bench/record.js';

test('benchCommand: the script relative to the repository, arguments quoted only when needed', () => {
  const script = 'file:///repo/loadtest/dist/bench/store-latency.js';
  assert.equal(benchCommand(script, [], '/repo'), 'node loadtest/dist/bench/store-latency.js');
  assert.equal(
    benchCommand(
      script,
      ['--readers', '2', '--read-priority=-10', '--out', 'results/bench/store-paced-200'],
      '/repo',
    ),
    'node loadtest/dist/bench/store-latency.js --readers 2 --read-priority=-10 --out results/bench/store-paced-200',
  );
  assert.equal(
    benchCommand(script, ['--note', "the machine's other run"], '/repo'),
    `node loadtest/dist/bench/store-latency.js --note 'the machine'\\''s other run'`,
  );
});

test('commitOf: a commit hash in this checkout', () => {
  const { commit, dirty } = commitOf(['loadtest']);
  assert.match(commit, /^([0-9a-f]{40}|unknown)$/);
  assert.equal(typeof dirty, 'boolean');
});

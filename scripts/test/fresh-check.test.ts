import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// @ts-expect-error a plain ESM script, without type declarations
import { parseTimes, summary } from '../fresh-check/summary.mjs';

const flags = {
  commands: 'make demo;make test',
  commit: 'abc',
  started: 's',
  finished: 'f',
  exit: '0',
  image: 'i',
  base: 'b',
  node: '20.20.2',
};

describe('the fresh-check record', () => {
  it('reads each command, its exit code and its seconds', () => {
    assert.deepEqual(parseTimes('make demo|0|312\nmake test|2|1800\n'), [
      { command: 'make demo', exitCode: 0, seconds: 312, passed: true },
      { command: 'make test', exitCode: 2, seconds: 1800, passed: false },
    ]);
  });

  it('passes only when every planned command ran and passed', () => {
    assert.equal(summary('make demo|0|312\nmake test|0|1800\n', flags).passed, true);
    assert.equal(summary('make demo|0|312\n', flags).passed, false, 'make test never ran');
    assert.equal(summary('make demo|0|312\nmake test|1|20\n', { ...flags, exit: '1' }).passed, false);
    const s = summary('make demo|0|312\n', flags);
    assert.deepEqual(s.commands[1], { command: 'make test', ran: false });
    assert.equal(s.command, 'FRESH_CHECK_COMMANDS="make demo;make test" make fresh-check');
  });
});

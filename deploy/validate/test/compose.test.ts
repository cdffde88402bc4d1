import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolate, InterpolationError, parseEnvFile, serviceEnvironment } from '../src/compose.js';

describe('interpolate (Compose variable syntax)', () => {
  const env = { SET: 'value', EMPTY: '' };
  it('substitutes $VAR and ${VAR}, and $$ is a literal dollar', () => {
    assert.equal(interpolate('a-$SET-${SET}-$$SET', env), 'a-value-value-$SET');
  });
  it('uses defaults for unset (:- also for empty) variables, nested defaults too', () => {
    assert.equal(interpolate('${NOPE:-d}|${EMPTY:-d}|${EMPTY-d}|${NOPE:-${SET}}', env), 'd|d||value');
  });
  it('throws for a missing required variable, naming it', () => {
    assert.throws(
      () => interpolate('${NOPE:?set NOPE}', env),
      (e: unknown) => e instanceof InterpolationError && e.variable === 'NOPE',
    );
    assert.throws(() => interpolate('${EMPTY:?x}', env), /EMPTY/);
    assert.equal(interpolate('${EMPTY?x}', env), '');
  });
  it('uses the alternative only when set', () => {
    assert.equal(interpolate('${SET:+alt}|${NOPE:+alt}|${EMPTY+alt}', env), 'alt||alt');
  });
  it('records the variables it saw', () => {
    const used = new Set<string>();
    interpolate('${A:-${B}} $C', {}, used);
    assert.deepEqual([...used].sort(), ['A', 'B', 'C']);
  });
});

describe('parseEnvFile', () => {
  it('reads KEY=value lines, skipping comments and blank lines, unquoting values', () => {
    assert.deepEqual(parseEnvFile('# c\n\nA=1\nB="two words"\nC=x # note\nexport D=4\n'), {
      A: '1',
      B: 'two words',
      C: 'x',
      D: '4',
    });
  });
  it('rejects a line that is not KEY=value', () => {
    assert.throws(() => parseEnvFile('just words'), /not a KEY=value line/);
  });
});

describe('serviceEnvironment', () => {
  it('normalises map and list forms to strings', () => {
    assert.deepEqual(serviceEnvironment({ environment: { A: 1, B: null, C: true } }), {
      A: '1',
      B: '',
      C: 'true',
    });
    assert.deepEqual(serviceEnvironment({ environment: ['A=1', 'B'] }), { A: '1', B: '' });
  });
});

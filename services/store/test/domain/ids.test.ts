import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseId, parsePartialFlag } from '../../src/domain/ids.js';

const MAX = 2_147_483_647;

describe('parseId', () => {
  it('accepts the canonical spelling of every integer 0 … 2147483647', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), (n) => {
        assert.equal(parseId(String(n)), n);
      }),
    );
  });

  it('accepts the bounds and rejects just outside them', () => {
    assert.equal(parseId('1'), 1);
    assert.equal(parseId('2147483647'), MAX);
    assert.equal(parseId('0'), 0, 'store 0 and item 0 are ids like any other');
    assert.equal(parseId('00'), undefined);
    assert.equal(parseId('-0'), undefined);
    assert.equal(parseId('2147483648'), undefined);
  });

  it('rejects integers above the int4 range, however long', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(MAX) + 1n, max: 10n ** 40n }), (n) => {
        assert.equal(parseId(n.toString()), undefined);
      }),
    );
  });

  it('rejects every string that is not the canonical decimal spelling of its value', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 14 }), (raw) => {
        const parsed = parseId(raw);
        if (parsed !== undefined) assert.equal(String(parsed), raw);
      }),
    );
  });

  it('rejects hostile and near-miss inputs', () => {
    const hostile = [
      '',
      ' 1',
      '1 ',
      '+1',
      '-1',
      '01',
      '00000000001',
      '1.0',
      '1e3',
      '0x10',
      'Infinity',
      'NaN',
      '1;DROP TABLE store_item_totals',
      "1' OR '1'='1",
      '1 OR 1=1',
      '1--',
      '१२३', // Devanagari digits
      '１２３', // full-width digits
      '1\u0000',
      '1\n',
      '99999999999999999999999999',
      '9'.repeat(400),
    ];
    for (const raw of hostile) assert.equal(parseId(raw), undefined, JSON.stringify(raw));
  });

  it('rejects non-strings (repeated or nested query values)', () => {
    assert.equal(parseId(undefined), undefined);
    assert.equal(parseId(['1']), undefined);
    assert.equal(parseId(1), undefined);
  });
});

describe('parsePartialFlag', () => {
  it('is false when absent, the flag when true/false, undefined otherwise', () => {
    assert.equal(parsePartialFlag(undefined), false);
    assert.equal(parsePartialFlag('true'), true);
    assert.equal(parsePartialFlag('false'), false);
    for (const raw of ['', 'yes', '1', 'TRUE', ['true', 'true']])
      assert.equal(parsePartialFlag(raw), undefined);
  });
});

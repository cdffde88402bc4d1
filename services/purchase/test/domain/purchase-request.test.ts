import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_ID, MAX_ITEMS_PER_PURCHASE, MAX_QUANTITY } from '@tillstream/contract';
import {
  MAX_PROBLEMS,
  parseDate,
  parseId,
  validateBody,
  validatePath,
} from '../../src/domain/purchase-request.js';

test('ids are strict decimal strings 0…2147483647: 0 is an id, a leading zero is not', () => {
  assert.equal(parseId('0'), 0);
  assert.equal(parseId('1'), 1);
  assert.equal(parseId('42'), 42);
  assert.equal(parseId(String(MAX_ID)), MAX_ID);
  for (const bad of [
    '00',
    '007',
    '-0',
    '0.0',
    String(MAX_ID + 1),
    '99999999999',
    '-1',
    '+1',
    ' 1',
    '1 ',
    '1e3',
    '01',
    '1.0',
    '0x1',
    '',
    'abc',
    '１',
  ]) {
    assert.equal(parseId(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(parseId(7), undefined, 'a number is not a path segment');
  assert.equal(parseId(undefined), undefined);
});

test('dates are yyyyMMdd real calendar dates', () => {
  assert.equal(parseDate('20210101'), '2021-01-01');
  assert.equal(parseDate('20200229'), '2020-02-29', 'leap year');
  assert.equal(parseDate('20000229'), '2000-02-29', 'divisible by 400');
  assert.equal(parseDate('20211231'), '2021-12-31');
  assert.equal(parseDate('99991231'), '9999-12-31');
  for (const bad of [
    '20210229',
    '21000229',
    '20210230',
    '20210431',
    '20211301',
    '20210001',
    '20210100',
    '00000101',
    '2021011',
    '202101011',
    '2021-01-01',
    '2021010a',
    ' 20210101',
  ]) {
    assert.equal(parseDate(bad), undefined, bad);
  }
});

test('validatePath names every bad part', () => {
  assert.deepEqual(validatePath({ storeID: '7', custID: '9', date: '20210315' }), {
    ok: true,
    value: { storeId: 7, customerId: 9, date: '2021-03-15' },
  });
  assert.deepEqual(validatePath({ storeID: '0', custID: '0', date: '20210315' }), {
    ok: true,
    value: { storeId: 0, customerId: 0, date: '2021-03-15' },
  });
  const result = validatePath({ storeID: '-1', custID: 'x', date: '20210230' });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.problems.length, 3);
  assert.match(result.problems.join(), /storeID/);
  assert.match(result.problems.join(), /custID/);
  assert.match(result.problems.join(), /date/);
  assert.match(
    result.problems[0]!,
    /^storeID must be a decimal integer 0…2147483647 /,
    'the message states the range',
  );
});

const ok = (body: unknown) => {
  const result = validateBody(body);
  assert.ok(result.ok, `expected valid: ${JSON.stringify(result)}`);
  return result.value;
};
const problems = (body: unknown) => {
  const result = validateBody(body);
  assert.ok(!result.ok, 'expected invalid');
  return result.problems.join('\n');
};

test('both quantity spellings are accepted', () => {
  assert.deepEqual(ok({ items: [{ ItemID: '42', 'numberOfItems:': 3 }] }), [{ itemId: 42, quantity: 3 }]);
  assert.deepEqual(ok({ items: [{ ItemID: '42', numberOfItems: 3 }] }), [{ itemId: 42, quantity: 3 }]);
});

test('an entry with neither or both quantity keys is rejected', () => {
  assert.match(problems({ items: [{ ItemID: '1' }] }), /exactly one of/);
  assert.match(
    problems({ items: [{ ItemID: '1', numberOfItems: 1, 'numberOfItems:': 1 }] }),
    /exactly one of/,
  );
  assert.match(problems({ items: [{ ItemID: '1', numberofitems: 1 }] }), /exactly one of/);
});

test('repeated ItemIDs are summed, string and integer forms alike, in first-appearance order', () => {
  const items = ok({
    items: [
      { ItemID: '5', numberOfItems: 2 },
      { ItemID: 3, 'numberOfItems:': 1 },
      { ItemID: 5, 'numberOfItems:': 4 },
      { ItemID: '3', numberOfItems: 10 },
    ],
  });
  assert.deepEqual(items, [
    { itemId: 5, quantity: 6 },
    { itemId: 3, quantity: 11 },
  ]);
});

test('a sum over the quantity limit is rejected', () => {
  assert.match(
    problems({
      items: [
        { ItemID: '1', numberOfItems: MAX_QUANTITY },
        { ItemID: 1, numberOfItems: 1 },
      ],
    }),
    /add up to 10001/,
  );
  ok({
    items: [
      { ItemID: '1', numberOfItems: MAX_QUANTITY - 1 },
      { ItemID: 1, numberOfItems: 1 },
    ],
  });
});

test('ItemID: digit string or integer within 0…2147483647', () => {
  ok({ items: [{ ItemID: MAX_ID, numberOfItems: 1 }] });
  ok({ items: [{ ItemID: String(MAX_ID), numberOfItems: 1 }] });
  assert.deepEqual(
    validateBody({
      items: [
        { ItemID: '0', 'numberOfItems:': 2 },
        { ItemID: 0, numberOfItems: 1 },
      ],
    }),
    {
      ok: true,
      value: [{ itemId: 0, quantity: 3 }],
    },
  );
  for (const bad of [
    '00',
    -1,
    1.5,
    '1e3',
    MAX_ID + 1,
    String(MAX_ID + 1),
    '',
    null,
    true,
    [],
    {},
    ' 1',
    '-0',
  ]) {
    assert.match(
      problems({ items: [{ ItemID: bad, numberOfItems: 1 }] }),
      /ItemID must be a decimal integer 0…2147483647/,
      JSON.stringify(bad),
    );
  }
});

test('quantity: a JSON integer 1…10000', () => {
  ok({ items: [{ ItemID: '1', numberOfItems: MAX_QUANTITY }] });
  for (const bad of [0, -1, MAX_QUANTITY + 1, 1.5, '3', null, true]) {
    assert.match(
      problems({ items: [{ ItemID: '1', numberOfItems: bad }] }),
      /numberOfItems/,
      JSON.stringify(bad),
    );
  }
});

test('items: an array of 1…1000 objects', () => {
  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ ItemID: i + 1, numberOfItems: 1 }));
  assert.equal(ok({ items: entries(MAX_ITEMS_PER_PURCHASE) }).length, MAX_ITEMS_PER_PURCHASE);
  assert.match(problems({ items: entries(MAX_ITEMS_PER_PURCHASE + 1) }), /1…1000/);
  assert.match(problems({ items: [] }), /1…1000/);
  assert.match(problems({ items: {} }), /must be an array/);
  assert.match(problems({}), /must be an array/);
  assert.match(problems({ items: [1] }), /items\[0\] must be an object/);
  for (const body of [null, [], 'x', 3, undefined]) assert.match(problems(body), /JSON object/);
});

test('unknown keys are ignored', () => {
  assert.deepEqual(ok({ items: [{ ItemID: '1', numberOfItems: 1, note: 'x' }], extra: true }), [
    { itemId: 1, quantity: 1 },
  ]);
});

test('problems are reported per entry and capped', () => {
  const many = Array.from({ length: 50 }, () => ({ ItemID: 'x' }));
  const result = validateBody({ items: many });
  assert.ok(!result.ok);
  assert.equal(result.problems.length, MAX_PROBLEMS);
  assert.match(result.problems[1]!, /items\[0\]/, 'both problems of entry 0 are named');
});

// ---- properties ----

const itemish = fc.record(
  {
    ItemID: fc.oneof(
      fc.integer({ min: -5, max: MAX_ID + 5 }),
      fc.string(),
      fc.nat().map(String),
      fc.double(),
    ),
    numberOfItems: fc.oneof(fc.integer({ min: -2, max: MAX_QUANTITY + 2 }), fc.string(), fc.double()),
    'numberOfItems:': fc.oneof(fc.integer({ min: -2, max: MAX_QUANTITY + 2 }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

test('property: any JSON body is answered with ok or named problems, never a throw', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.jsonValue(), fc.record({ items: fc.array(fc.oneof(itemish, fc.jsonValue())) })),
      (body) => {
        const result = validateBody(body);
        if (result.ok) {
          const ids = result.value.map((i) => i.itemId);
          assert.equal(new Set(ids).size, ids.length);
          assert.ok(ids.length >= 1 && ids.length <= MAX_ITEMS_PER_PURCHASE);
          for (const { itemId, quantity } of result.value) {
            assert.ok(Number.isInteger(itemId) && itemId >= 1 && itemId <= MAX_ID);
            assert.ok(Number.isInteger(quantity) && quantity >= 1 && quantity <= MAX_QUANTITY);
          }
        } else {
          assert.ok(result.problems.length >= 1 && result.problems.length <= MAX_PROBLEMS);
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: valid purchases are accepted with quantities summed per item', () => {
  const entry = fc.record({
    id: fc.integer({ min: 1, max: 20 }),
    asString: fc.boolean(),
    colon: fc.boolean(),
    quantity: fc.integer({ min: 1, max: 100 }),
  });
  fc.assert(
    fc.property(fc.array(entry, { minLength: 1, maxLength: 60 }), (entries) => {
      const body = {
        items: entries.map((e) => ({
          ItemID: e.asString ? String(e.id) : e.id,
          [e.colon ? 'numberOfItems:' : 'numberOfItems']: e.quantity,
        })),
      };
      const expected = new Map<number, number>();
      for (const e of entries) expected.set(e.id, (expected.get(e.id) ?? 0) + e.quantity);
      assert.deepEqual(new Map(ok(body).map((i) => [i.itemId, i.quantity])), expected);
    }),
  );
});

test('property: any path segments are answered without a throw, and accepted ids round-trip', () => {
  const segment = fc.oneof(
    fc.string(),
    fc.nat().map(String),
    fc.integer().map(String),
    fc.constant('20210101'),
  );
  fc.assert(
    fc.property(segment, segment, segment, (storeID, custID, date) => {
      const result = validatePath({ storeID, custID, date });
      if (result.ok) {
        assert.equal(String(result.value.storeId), storeID);
        assert.equal(String(result.value.customerId), custID);
        assert.equal(result.value.date.replaceAll('-', ''), date);
      } else {
        assert.ok(result.problems.length >= 1);
      }
    }),
    { numRuns: 2000 },
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_PROFILE,
  duePhases,
  idempotencyKey,
  makeProfile,
  phaseOfClient,
  phaseStartTotals,
  phases,
  purchaseBody,
  purchaseOf,
  purchasePath,
  purchasesPerStore,
  storeIdOf,
  totalPurchases,
} from '../src/workload.js';

test('defaults are the CS6650 profile: requests = stores × 9 × 300', () => {
  assert.equal(DEFAULT_PROFILE.customersPerStore, 1000);
  assert.equal(DEFAULT_PROFILE.maxItemId, 100_000);
  assert.equal(DEFAULT_PROFILE.itemsPerPurchase, 5);
  assert.equal(DEFAULT_PROFILE.date, '20210101');
  assert.equal(totalPurchases(makeProfile({ stores: 256 })), 691_200);
  assert.equal(totalPurchases(makeProfile({ stores: 512 })), 1_382_400);
  assert.equal(totalPurchases(makeProfile({ stores: 1024 })), 2_764_800);
});

test('phases: east stores/4 at once, central stores/4 after 3 hours, west the rest after 5 hours', () => {
  const profile = makeProfile({ stores: 256 });
  assert.deepEqual(phases(profile), [
    { name: 'east', startAfterPurchases: 0, firstClient: 0, clients: 64 },
    { name: 'central', startAfterPurchases: 900, firstClient: 64, clients: 64 },
    { name: 'west', startAfterPurchases: 1500, firstClient: 128, clients: 128 },
  ]);
  assert.equal(phaseOfClient(profile, 63).name, 'east');
  assert.equal(phaseOfClient(profile, 64).name, 'central');
  assert.equal(phaseOfClient(profile, 255).name, 'west');
  assert.throws(() => phaseOfClient(profile, 256), RangeError);
});

test('phases cover every client exactly once, for any store count', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), (stores) => {
      const list = phases(makeProfile({ stores }));
      assert.equal(list[0]?.name, 'east');
      let next = 0;
      for (const phase of list) {
        assert.equal(phase.firstClient, next);
        assert.ok(phase.clients > 0);
        next += phase.clients;
      }
      assert.equal(next, stores);
    }),
  );
});

test('a phase is due when the leading store reaches its threshold, not before', () => {
  const profile = makeProfile({ stores: 16, purchasesPerHour: 10 });
  assert.deepEqual(
    duePhases(profile, 0, 0).map((p) => p.name),
    ['east'],
  );
  assert.deepEqual(duePhases(profile, 1, 29), []);
  assert.deepEqual(
    duePhases(profile, 1, 30).map((p) => p.name),
    ['central'],
  );
  assert.deepEqual(duePhases(profile, 2, 49), []);
  assert.deepEqual(
    duePhases(profile, 2, 50).map((p) => p.name),
    ['west'],
  );
  // A store far ahead starts both remaining phases at once, in order.
  assert.deepEqual(
    duePhases(profile, 1, 90).map((p) => p.name),
    ['central', 'west'],
  );
  assert.deepEqual(duePhases(profile, 3, 90), []);
});

test('with fewer hours than a threshold the phase starts when a store finishes its run', () => {
  const profile = makeProfile({ stores: 8, hours: 2, purchasesPerHour: 10 });
  assert.deepEqual(
    phases(profile).map((p) => p.startAfterPurchases),
    [0, 20, 20],
  );
});

test('k6 phase totals: what all running stores completed when the leader reaches the threshold', () => {
  const profile = makeProfile({ stores: 256 });
  // central: 64 east stores × 900; west: 64 × 1500 + 64 central stores × (1500 − 900).
  assert.deepEqual(phaseStartTotals(profile), { east: 0, central: 57_600, west: 134_400 });
});

test('custID and item ids stay in their ranges; quantities and date as configured', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1024 }),
      fc.integer({ min: 0, max: 2699 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 1, max: 20 }),
      (stores, sequence, seed, itemsPerPurchase) => {
        const profile = makeProfile({
          stores,
          seed,
          itemsPerPurchase,
          maxItemId: 1000,
          customersPerStore: 50,
        });
        const index = sequence % stores;
        const purchase = purchaseOf(profile, index, sequence);
        assert.equal(purchase.storeId, index + 1);
        assert.ok(purchase.customerId >= purchase.storeId * 1000);
        assert.ok(purchase.customerId < purchase.storeId * 1000 + 50);
        assert.equal(purchase.items.length, itemsPerPurchase);
        for (const item of purchase.items) {
          assert.ok(Number.isInteger(item.itemId) && item.itemId >= 1 && item.itemId <= 1000);
          assert.equal(item.quantity, 1);
        }
        assert.equal(purchase.date, '20210101');
      },
    ),
  );
});

test('item ids reach both ends of [1, maxItemId] and customer ids the whole store range', () => {
  const profile = makeProfile({ stores: 1, maxItemId: 10, customersPerStore: 5, itemsPerPurchase: 20 });
  const items = new Set<number>();
  const customers = new Set<number>();
  for (let s = 0; s < 200; s++) {
    const p = purchaseOf(profile, 0, s);
    customers.add(p.customerId);
    for (const i of p.items) items.add(i.itemId);
  }
  assert.deepEqual(
    [...items].sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.deepEqual([...customers].sort(), [1000, 1001, 1002, 1003, 1004]);
});

test('reproducible: the same seed sends the same purchases, another seed different ones', () => {
  const a = makeProfile({ stores: 4, seed: 1 });
  const b = makeProfile({ stores: 4, seed: 1 });
  const c = makeProfile({ stores: 4, seed: 2 });
  const all = (p: typeof a) => Array.from({ length: 50 }, (_, s) => purchaseOf(p, s % 4, s));
  assert.deepEqual(all(a), all(b));
  assert.notDeepEqual(all(a), all(c));
  // Each purchase is a function of (store, sequence) alone: order of generation does not matter.
  assert.deepEqual(purchaseOf(a, 3, 17), purchaseOf(b, 3, 17));
  assert.notDeepEqual(purchaseOf(a, 3, 17), purchaseOf(a, 3, 18));
});

test('store ids start after storeIdBase; custID stays within the API id limit', () => {
  const profile = makeProfile({ stores: 4, storeIdBase: 5000 });
  assert.equal(purchaseOf(profile, 0, 0).storeId, 5001);
  assert.throws(() => makeProfile({ stores: 10, storeIdBase: 2_147_480 }), /custID/);
  // The last store's customers reach exactly the top of the id range, and no further.
  const top = makeProfile({ stores: 2, storeIdBase: 2_147_481, customersPerStore: 648 });
  assert.equal(storeIdOf(top, 1) * 1000 + 647, 2_147_483_647);
  assert.throws(() => makeProfile({ stores: 2, storeIdBase: 2_147_481, customersPerStore: 649 }), /custID/);
});

test('firstStoreNumber 0 numbers the stores from 0, as the course clients do; 1 (the default) from 1', () => {
  assert.equal(DEFAULT_PROFILE.firstStoreNumber, 1);
  const fromOne = makeProfile({ stores: 4 });
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => storeIdOf(fromOne, i)),
    [1, 2, 3, 4],
  );
  const fromZero = makeProfile({ stores: 4, firstStoreNumber: 0 });
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => storeIdOf(fromZero, i)),
    [0, 1, 2, 3],
  );
  const customers = new Set<number>();
  for (let s = 0; s < 300; s++) {
    const purchase = purchaseOf(fromZero, 0, s);
    assert.equal(purchase.storeId, 0);
    assert.ok(purchase.customerId >= 0 && purchase.customerId < 1000, String(purchase.customerId));
    customers.add(purchase.customerId);
  }
  assert.ok(customers.size > 200, 'store 0 draws its customers from 0…999');
  assert.equal(purchasePath(purchaseOf(fromZero, 0, 0)).startsWith('/purchase/0/customer/'), true);
  const based = makeProfile({ stores: 4, firstStoreNumber: 0, storeIdBase: 1000 });
  assert.equal(storeIdOf(based, 0), 1000);
  assert.throws(() => makeProfile({ firstStoreNumber: 2 as 0 }), /firstStoreNumber/);
});

test('invalid parameters are rejected naming the parameter', () => {
  assert.throws(() => makeProfile({ itemsPerPurchase: 21 }), /itemsPerPurchase/);
  assert.throws(() => makeProfile({ stores: 0 }), /stores/);
  assert.throws(() => makeProfile({ date: '2021-01-01' }), /date/);
});

test('request: the published path and body (ItemID as a string, "numberOfItems:" key) and keys per purchase', () => {
  const purchase = {
    storeId: 7,
    customerId: 7042,
    date: '20210101',
    items: [
      { itemId: 42, quantity: 1 },
      { itemId: 9, quantity: 3 },
    ],
  };
  assert.equal(purchasePath(purchase), '/purchase/7/customer/7042/date/20210101');
  assert.deepEqual(JSON.parse(purchaseBody(purchase)), {
    items: [
      { ItemID: '42', 'numberOfItems:': 1 },
      { ItemID: '9', 'numberOfItems:': 3 },
    ],
  });
  assert.equal(idempotencyKey('run1', 7, 12), 'run1-7-12');
  assert.notEqual(idempotencyKey('run1', 7, 12), idempotencyKey('run2', 7, 12));
  assert.equal(purchasesPerStore(makeProfile({})), 2700);
});

/**
 * The CS6650 (Spring 2021, assignments 2–4) GianTigle client profile, as plain functions over plain
 * data. Both load clients import this one module — the Node runner from source and the k6 script as
 * the compiled `loadtest/dist/workload.js` — so they cannot drift. No imports, no I/O, nothing a k6
 * VU lacks (no Node built-ins, no BigInt).
 *
 * Every purchase is a pure function of (seed, store, sequence number), so a run is reproducible and
 * the order in which clients happen to send does not change what they send.
 */

export interface WorkloadProfile {
  /** Concurrent clients; each one is a store sending its purchases one after another. */
  readonly stores: number;
  /** custID is drawn from [storeID×1000, storeID×1000 + customersPerStore). */
  readonly customersPerStore: number;
  /** Item ids are drawn from [1, maxItemId]. */
  readonly maxItemId: number;
  /** Purchases each store sends per simulated "hour". */
  readonly purchasesPerHour: number;
  /** Line items per purchase (the published profile allows 1–20). */
  readonly itemsPerPurchase: number;
  /** Quantity of each line item. */
  readonly quantityPerItem: number;
  /** Purchase date, yyyyMMdd. */
  readonly date: string;
  /** Simulated opening hours per store. */
  readonly hours: number;
  /** PRNG seed: the same seed sends the same purchases. */
  readonly seed: number;
  /** Store ids are storeIdBase+firstStoreNumber … storeIdBase+firstStoreNumber+stores-1. */
  readonly storeIdBase: number;
  /**
   * The first client's store number: 1 numbers the stores 1 … stores (the default), 0 numbers them
   * 0 … stores-1 as the course's Java clients do (their thread index), so store 0 and customers
   * 0 … customersPerStore-1 are sent. Optional so profiles written out before it existed stay valid.
   */
  readonly firstStoreNumber?: 0 | 1;
}

export const DEFAULT_PROFILE: WorkloadProfile = Object.freeze({
  stores: 256,
  customersPerStore: 1000,
  maxItemId: 100_000,
  purchasesPerHour: 300,
  itemsPerPurchase: 5,
  quantityPerItem: 1,
  date: '20210101',
  hours: 9,
  seed: 6650,
  storeIdBase: 0,
  firstStoreNumber: 1,
});

/** The API's id limit (PostgreSQL int4, ids are 0 … MAX_ID); custID = storeID×1000 + … must stay under it. */
const MAX_ID = 2_147_483_647;

/** The defaults with `overrides` applied, validated; throws RangeError naming the bad parameter. */
export function makeProfile(overrides: Partial<WorkloadProfile> = {}): WorkloadProfile {
  const profile: WorkloadProfile = { ...DEFAULT_PROFILE, ...overrides };
  const check = (name: keyof WorkloadProfile, min: number, max: number) => {
    const value = profile[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`workload: ${name} must be an integer in ${min}…${max}, got ${String(value)}`);
    }
  };
  check('stores', 1, 100_000);
  check('customersPerStore', 1, 1000);
  check('maxItemId', 1, MAX_ID);
  check('purchasesPerHour', 1, 1_000_000);
  check('itemsPerPurchase', 1, 20);
  check('quantityPerItem', 1, 10_000);
  check('hours', 1, 24);
  check('seed', 0, 0xffffffff);
  check('storeIdBase', 0, MAX_ID);
  check('firstStoreNumber', 0, 1);
  if (!/^\d{8}$/.test(profile.date))
    throw new RangeError(`workload: date must be yyyyMMdd, got ${profile.date}`);
  const lastCustomer = storeIdOf(profile, profile.stores - 1) * 1000 + profile.customersPerStore - 1;
  if (lastCustomer > MAX_ID) {
    throw new RangeError(`workload: storeIdBase + stores too large, custID would reach ${lastCustomer}`);
  }
  return Object.freeze(profile);
}

export function purchasesPerStore(profile: WorkloadProfile): number {
  return profile.hours * profile.purchasesPerHour;
}

/** Requests in a run without retries: stores × hours × purchasesPerHour. */
export function totalPurchases(profile: WorkloadProfile): number {
  return profile.stores * purchasesPerStore(profile);
}

/** The store id of client `index` (0-based). */
export function storeIdOf(profile: WorkloadProfile, index: number): number {
  return profile.storeIdBase + (profile.firstStoreNumber ?? 1) + index;
}

// ---- phases ----

export type PhaseName = 'east' | 'central' | 'west';

export interface Phase {
  readonly name: PhaseName;
  /** The phase starts when any running store has completed this many purchases (0: at once). */
  readonly startAfterPurchases: number;
  /** Index of its first client; its clients are firstClient … firstClient+clients-1. */
  readonly firstClient: number;
  readonly clients: number;
}

/** Hours' worth a store must have sent before each phase starts. */
export const PHASE_START_HOURS: Readonly<Record<PhaseName, number>> = Object.freeze({
  east: 0,
  central: 3,
  west: 5,
});

/**
 * east starts stores/4 clients, central another stores/4, west the rest (stores/2). With fewer than
 * four stores east gets at least one client. A phase whose threshold is beyond a store's whole run
 * (few hours) starts when a store finishes, so every phase always starts. Phases with no clients are
 * left out.
 */
export function phases(profile: WorkloadProfile): Phase[] {
  const east = Math.max(1, Math.floor(profile.stores / 4));
  const central = Math.min(profile.stores - east, Math.floor(profile.stores / 4));
  const west = profile.stores - east - central;
  const perStore = purchasesPerStore(profile);
  const at = (name: PhaseName) => Math.min(PHASE_START_HOURS[name] * profile.purchasesPerHour, perStore);
  const all: Phase[] = [
    { name: 'east', startAfterPurchases: 0, firstClient: 0, clients: east },
    { name: 'central', startAfterPurchases: at('central'), firstClient: east, clients: central },
    { name: 'west', startAfterPurchases: at('west'), firstClient: east + central, clients: west },
  ];
  return all.filter((phase) => phase.clients > 0);
}

/** The phase client `index` belongs to. */
export function phaseOfClient(profile: WorkloadProfile, index: number): Phase {
  const list = phases(profile);
  const found = list.find((p) => index >= p.firstClient && index < p.firstClient + p.clients);
  if (!found) throw new RangeError(`workload: client ${index} is outside 0…${profile.stores - 1}`);
  return found;
}

/**
 * The phases (in order) that are due but not yet started, given how many phases have started and the
 * most purchases any single store has completed.
 */
export function duePhases(
  profile: WorkloadProfile,
  started: number,
  maxCompletedByOneStore: number,
): Phase[] {
  const list = phases(profile);
  const due: Phase[] = [];
  for (let i = started; i < list.length; i++) {
    const phase = list[i]!;
    if (phase.startAfterPurchases > maxCompletedByOneStore) break;
    due.push(phase);
  }
  return due;
}

/**
 * For clients that share no memory (k6 VUs): the number of purchases completed by all clients
 * together at which each phase starts, assuming every running client progresses at the same rate.
 * Under that assumption "the total reached this" is the same event as "a store reached its
 * threshold"; in a closed loop the real spread between clients is small, so k6 starts each phase
 * within that spread of when the Node runner would.
 */
export function phaseStartTotals(profile: WorkloadProfile): Record<PhaseName, number> {
  const list = phases(profile);
  const totals: Record<PhaseName, number> = { east: 0, central: 0, west: 0 };
  for (const phase of list) {
    let total = 0;
    for (const earlier of list) {
      if (earlier === phase) break;
      total += earlier.clients * (phase.startAfterPurchases - earlier.startAfterPurchases);
    }
    totals[phase.name] = total;
  }
  return totals;
}

// ---- purchases ----

export interface PurchaseItem {
  readonly itemId: number;
  readonly quantity: number;
}

export interface Purchase {
  readonly storeId: number;
  readonly customerId: number;
  readonly date: string;
  readonly items: readonly PurchaseItem[];
}

/** Purchase number `sequence` (0-based) of client `index`: a pure function of the profile's seed. */
export function purchaseOf(profile: WorkloadProfile, index: number, sequence: number): Purchase {
  const storeId = storeIdOf(profile, index);
  const random = prng(hash32(hash32(profile.seed, storeId), sequence));
  const customerId = storeId * 1000 + Math.floor(random() * profile.customersPerStore);
  const items: PurchaseItem[] = [];
  for (let i = 0; i < profile.itemsPerPurchase; i++) {
    items.push({ itemId: 1 + Math.floor(random() * profile.maxItemId), quantity: profile.quantityPerItem });
  }
  return { storeId, customerId, date: profile.date, items };
}

/** The request path of the GianTigle API. */
export function purchasePath(purchase: Purchase): string {
  return `/purchase/${purchase.storeId}/customer/${purchase.customerId}/date/${purchase.date}`;
}

/**
 * The JSON body as the published clients send it: ItemID as a string and the quantity key spelled
 * `numberOfItems:` (with the colon, as in the published spec). Built by hand: it runs per request.
 */
export function purchaseBody(purchase: Purchase): string {
  let body = '{"items":[';
  for (let i = 0; i < purchase.items.length; i++) {
    const item = purchase.items[i]!;
    body += `${i > 0 ? ',' : ''}{"ItemID":"${item.itemId}","numberOfItems:":${item.quantity}}`;
  }
  return `${body}]}`;
}

/** Unique per run and purchase, and the same for every retry of that purchase. */
export function idempotencyKey(runId: string, storeId: number, sequence: number): string {
  return `${runId}-${storeId}-${sequence}`;
}

// ---- seeded randomness ----

/** A 32-bit mix of two integers (murmur3's finaliser over a combined word). */
export function hash32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: a small, fast PRNG with a 32-bit state; returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

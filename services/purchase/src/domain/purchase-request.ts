import { ID_RANGE, isId, MAX_ITEMS_PER_PURCHASE, MAX_QUANTITY, type LineItem } from '@tillstream/contract';

/**
 * Validation of the GianTigle purchase request (path and body). Pure functions over plain data: they
 * never throw, whatever they are given, and name every problem they find (up to a bound).
 */

/** The quantity key as the published spec spells it (trailing colon) and as it is usually meant. */
export const QUANTITY_KEYS = ['numberOfItems', 'numberOfItems:'] as const;

/** Problems reported per request at most, so an answer stays small whatever the body. */
export const MAX_PROBLEMS = 10;

export interface PurchasePath {
  readonly storeId: number;
  readonly customerId: number;
  /** ISO `YYYY-MM-DD`. */
  readonly date: string;
}

export type Validation<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * A decimal id 0 … 2147483647 as the published spec's integers are written: ASCII digits only — no sign,
 * spaces, fraction or exponent — and no leading zero (so "0" but not "00" or "007"), which gives every
 * id one spelling, the one any client's integer-to-string conversion produces.
 */
const DECIMAL_ID = /^(?:0|[1-9][0-9]{0,9})$/;
export const ID_RULE = `a decimal integer ${ID_RANGE} (digits only, no sign, fraction or leading zero)`;

export function parseId(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || !DECIMAL_ID.test(raw)) return undefined;
  const value = Number(raw);
  return isId(value) ? value : undefined;
}

const DATE = /^([0-9]{4})([0-9]{2})([0-9]{2})$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `yyyyMMdd` of a real (proleptic Gregorian) calendar date, year 0001 … 9999 → `YYYY-MM-DD`. */
export function parseDate(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const match = DATE.exec(raw);
  if (!match) return undefined;
  const [, y, m, d] = match as unknown as [string, string, string, string];
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return `${y}-${m}-${d}`;
}

export function validatePath(params: Record<string, unknown>): Validation<PurchasePath> {
  const storeId = parseId(params.storeID);
  const customerId = parseId(params.custID);
  const date = parseDate(params.date);
  const problems: string[] = [];
  if (storeId === undefined) problems.push(`storeID must be ${ID_RULE}`);
  if (customerId === undefined) problems.push(`custID must be ${ID_RULE}`);
  if (date === undefined) problems.push('date must be yyyyMMdd and a real calendar date');
  if (storeId === undefined || customerId === undefined || date === undefined) return { ok: false, problems };
  return { ok: true, value: { storeId, customerId, date } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ItemID: a string of digits (the spec's type, same rule as the path ids) or a JSON integer, 0 … 2147483647. */
function parseItemId(raw: unknown): number | undefined {
  if (typeof raw === 'number') return isId(raw) ? raw : undefined;
  return parseId(raw);
}

function isQuantity(raw: unknown): raw is number {
  return typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 && raw <= MAX_QUANTITY;
}

/**
 * Validates `{"items":[{"ItemID","numberOfItems" | "numberOfItems:"}…]}` and returns the line items with
 * repeated ItemIDs summed (first-appearance order). Unknown keys are ignored.
 */
export function validateBody(body: unknown): Validation<LineItem[]> {
  if (!isRecord(body)) return { ok: false, problems: ['body must be a JSON object with an "items" array'] };
  const items = body.items;
  if (!Array.isArray(items)) return { ok: false, problems: ['"items" must be an array'] };
  if (items.length < 1 || items.length > MAX_ITEMS_PER_PURCHASE) {
    return { ok: false, problems: [`"items" must have 1…${MAX_ITEMS_PER_PURCHASE} entries`] };
  }
  const problems: string[] = [];
  const totals = new Map<number, number>();
  for (let index = 0; index < items.length && problems.length < MAX_PROBLEMS; index++) {
    const entry: unknown = items[index];
    const where = `items[${index}]`;
    if (!isRecord(entry)) {
      problems.push(`${where} must be an object`);
      continue;
    }
    const itemId = parseItemId(entry.ItemID);
    if (itemId === undefined)
      problems.push(`${where}.ItemID must be ${ID_RULE}, as a string or a JSON integer`);
    const present = QUANTITY_KEYS.filter((key) => Object.hasOwn(entry, key));
    if (present.length !== 1) {
      problems.push(
        `${where} must have exactly one of "numberOfItems" or "numberOfItems:" (found ${present.length})`,
      );
      continue;
    }
    const quantity = entry[present[0]!];
    if (!isQuantity(quantity)) {
      problems.push(`${where}.${present[0]} must be an integer 1…${MAX_QUANTITY}`);
      continue;
    }
    if (itemId !== undefined) totals.set(itemId, (totals.get(itemId) ?? 0) + quantity);
  }
  for (const [itemId, quantity] of totals) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (quantity > MAX_QUANTITY) {
      problems.push(`the quantities of ItemID ${itemId} add up to ${quantity}, more than ${MAX_QUANTITY}`);
    }
  }
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, MAX_PROBLEMS) };
  return { ok: true, value: [...totals].map(([itemId, quantity]) => ({ itemId, quantity })) };
}

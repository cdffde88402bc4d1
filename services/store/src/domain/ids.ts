import { isId, MAX_ID } from '@tillstream/contract';

/** A canonical decimal id: "0", or digits without a leading zero; no sign, no spaces, ASCII only. */
const CANONICAL_ID = /^(?:0|[1-9][0-9]*)$/;

/**
 * Parses a storeID/itemID path segment. Only the canonical spelling of an integer 0 … MAX_ID (the
 * published API's ids, store 0 included) is accepted, so every id has exactly one spelling (and one
 * cache key); anything else is `undefined`.
 */
export function parseId(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || raw.length > String(MAX_ID).length || !CANONICAL_ID.test(raw)) {
    return undefined;
  }
  const value = Number(raw);
  return isId(value) ? value : undefined;
}

/** `?partial=` : absent → false; `true`/`false` → that; anything else (repeated, other words) → undefined. */
export function parsePartialFlag(raw: unknown): boolean | undefined {
  if (raw === undefined) return false;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return undefined;
}

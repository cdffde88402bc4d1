import { MAX_ID } from '@tillstream/contract';

/** A canonical decimal id: no sign, no leading zero, no spaces, ASCII digits only. */
const CANONICAL_ID = /^[1-9][0-9]*$/;

/**
 * Parses a storeID/itemID path segment. Only the canonical spelling of an integer 1 … MAX_ID is
 * accepted, so every id has exactly one spelling (and one cache key); anything else is `undefined`.
 */
export function parseId(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || raw.length > String(MAX_ID).length || !CANONICAL_ID.test(raw)) {
    return undefined;
  }
  const value = Number(raw);
  return value <= MAX_ID ? value : undefined;
}

/** `?partial=` : absent → false; `true`/`false` → that; anything else (repeated, other words) → undefined. */
export function parsePartialFlag(raw: unknown): boolean | undefined {
  if (raw === undefined) return false;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return undefined;
}

/**
 * Ids (storeID, custID, ItemID) are the published API's integers: 0 … 2147483647. Course clients number
 * their stores and customers from 0, so 0 is an ordinary id, never "absent".
 */
export const MIN_ID = 0;
/** Largest id the API accepts: ids are stored as PostgreSQL `integer` (int4). */
export const MAX_ID = 2_147_483_647;
/** The id range as the API's error messages and documents state it. */
export const ID_RANGE = `${MIN_ID}…${MAX_ID}`;
/** Most line items one purchase may carry. */
export const MAX_ITEMS_PER_PURCHASE = 1000;
/** Largest quantity of one line item. */
export const MAX_QUANTITY = 10_000;

/** True for an integer id within MIN_ID … MAX_ID. */
export function isId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= MIN_ID && (value as number) <= MAX_ID;
}

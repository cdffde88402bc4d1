/** Largest id the API accepts: ids are stored as PostgreSQL `integer` (int4). */
export const MAX_ID = 2_147_483_647;
/** Most line items one purchase may carry. */
export const MAX_ITEMS_PER_PURCHASE = 1000;
/** Largest quantity of one line item. */
export const MAX_QUANTITY = 10_000;

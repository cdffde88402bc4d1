import { COMMON_HTTP_ERRORS, defineErrors } from '@tillstream/http-kit';

/** Every error the store service answers with. Closed: a new code is a new row here and in the README. */
export const STORE_ERRORS = {
  ...COMMON_HTTP_ERRORS,
  INVALID_ID: {
    status: 400,
    retriable: false,
    description:
      'storeID or itemID is not a decimal integer 0…2147483647 (digits only: no sign, spaces, fraction or leading zero).',
  },
  INVALID_QUERY: {
    status: 400,
    retriable: false,
    description: 'A query parameter has an unsupported value (`partial` must be `true` or `false`).',
  },
  STORE_NOT_FOUND: { status: 404, retriable: false, description: 'The store has no purchases.' },
  ITEM_NOT_FOUND: { status: 404, retriable: false, description: 'No store has sold the item.' },
  OVERLOADED: {
    status: 503,
    retriable: true,
    description:
      'The worker is answering STORE_MAX_CONCURRENT_REQUESTS requests already; retry after Retry-After seconds.',
  },
  SHARD_UNAVAILABLE: {
    status: 503,
    retriable: true,
    description:
      'A shard needed for the answer failed or did not answer within STORE_SHARD_TIMEOUT_MS; retry after Retry-After seconds (or ask /items/top10 with ?partial=true).',
  },
} as const;

export type StoreErrorCode = keyof typeof STORE_ERRORS;

export const errors = defineErrors(STORE_ERRORS);

import { COMMON_HTTP_ERRORS, defineErrors, type ErrorSpec } from '@tillstream/http-kit';

/**
 * Every error code the purchase API answers with (listed in README.md). A client may retry a
 * `retriable` one (after `Retry-After` when given); the others need a different request.
 */
export const PURCHASE_ERRORS = {
  ...COMMON_HTTP_ERRORS,
  INVALID_PATH: {
    status: 400,
    retriable: false,
    description: 'storeID, custID or date in the path is not valid.',
  },
  INVALID_BODY: {
    status: 400,
    retriable: false,
    description: 'The JSON body is not a valid purchase (items, ItemID, numberOfItems).',
  },
  INVALID_IDEMPOTENCY_KEY: {
    status: 400,
    retriable: false,
    description: 'The Idempotency-Key header is empty, longer than 200 characters or not printable ASCII.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    retriable: false,
    description:
      'This Idempotency-Key was used with a different request (API key, path or body); a key names one request. Send the new purchase with a new key.',
  },
  UNAUTHORIZED: {
    status: 401,
    retriable: false,
    description: 'API keys are configured and the request has no valid `Authorization: Bearer <key>`.',
  },
  IN_FLIGHT_LIMIT: {
    status: 503,
    retriable: true,
    description: 'The service holds as many unacknowledged purchases as it may; retry after Retry-After.',
  },
  KAFKA_UNAVAILABLE: {
    status: 503,
    retriable: true,
    description:
      'Kafka did not acknowledge the purchase in time (or is unreachable); it may or may not be stored — retry with the same Idempotency-Key.',
  },
  SHUTTING_DOWN: {
    status: 503,
    retriable: true,
    description: 'This instance is stopping; retry (another instance will answer).',
  },
} as const satisfies Record<string, ErrorSpec>;

export type PurchaseErrorCode = keyof typeof PURCHASE_ERRORS;

export const purchaseErrors = defineErrors(PURCHASE_ERRORS);

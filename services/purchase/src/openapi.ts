import { MAX_ID, MAX_ITEMS_PER_PURCHASE, MAX_QUANTITY } from '@tillstream/contract';
import { PURCHASE_ERRORS } from './errors.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './purchase-id.js';

const ID_PATTERN = '^[1-9][0-9]{0,9}$';

const errorResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    required: true,
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
};

const idParameter = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description: `${description}: a decimal integer 1…${MAX_ID} (no sign, spaces, exponent or leading zero).`,
  schema: { type: 'string', pattern: ID_PATTERN },
});

/** The OpenAPI 3.1 document served at /openapi.json; a test checks real responses against it. */
export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'tillstream purchase API',
      version: '1.0.0',
      description:
        'Records GianTigle supermarket purchases (compatible with the CS6650 spec). A 201 is sent only ' +
        'after Kafka stored the purchase (acks=all).',
    },
    paths: {
      '/purchase/{storeID}/customer/{custID}/date/{date}': {
        post: {
          operationId: 'writeNewPurchase',
          security: [{}, { bearer: [] }],
          parameters: [
            idParameter('storeID', 'The store'),
            idParameter('custID', 'The customer'),
            {
              name: 'date',
              in: 'path',
              required: true,
              description: 'The purchase date, yyyyMMdd, a real calendar date.',
              schema: { type: 'string', pattern: '^[0-9]{8}$' },
            },
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description:
                'Names one request. The same key with the same request (API key, path and body, whatever ' +
                'the spelling or item order) gives the same purchaseId, and the purchase is counted once ' +
                'downstream. A different request under a key already used is answered 422 ' +
                'IDEMPOTENCY_KEY_REUSED when this instance remembers the key; otherwise it gets its own ' +
                'purchaseId, is counted, and the shard records the conflict. Never acknowledged and dropped.',
              schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
            },
            {
              name: 'traceparent',
              in: 'header',
              required: false,
              description: 'W3C trace context; the event continues this trace.',
              schema: { type: 'string' },
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Purchase' } } },
          },
          responses: {
            '201': {
              description: 'Stored in Kafka.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } },
            },
            '400': errorResponse('Invalid path, body, JSON or Idempotency-Key.'),
            '401': errorResponse('API keys are configured and the bearer key is missing or wrong.', {
              'WWW-Authenticate': { schema: { type: 'string' } },
            }),
            '405': errorResponse('Only POST is allowed on this path.', {
              Allow: { required: true, schema: { type: 'string' } },
            }),
            '413': errorResponse('The body is over 64 KiB.'),
            '415': errorResponse('The body is not application/json.'),
            '422': errorResponse(
              'IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was already used with a different request.',
            ),
            '503': errorResponse(
              'Kafka is unavailable or the service is at its in-flight limit.',
              retryAfter,
            ),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          responses: {
            '200': {
              description: 'The process is alive.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } },
            },
          },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          responses: {
            '200': {
              description: 'The Kafka producer is connected.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } },
            },
            '503': {
              description: 'Not connected to Kafka, or stopping.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } },
            },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          responses: {
            '200': {
              description: 'Prometheus metrics of every worker.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          responses: {
            '200': {
              description: 'This document.',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Purchase: {
          type: 'object',
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_ITEMS_PER_PURCHASE,
              items: { $ref: '#/components/schemas/PurchaseItem' },
            },
          },
        },
        PurchaseItem: {
          type: 'object',
          description:
            'Exactly one of "numberOfItems" and "numberOfItems:" (the published spec\'s spelling). ' +
            'Repeated ItemIDs are summed; the sum must stay within the quantity limit.',
          required: ['ItemID'],
          properties: {
            ItemID: {
              oneOf: [
                { type: 'string', pattern: ID_PATTERN },
                { type: 'integer', minimum: 1, maximum: MAX_ID },
              ],
            },
            numberOfItems: { type: 'integer', minimum: 1, maximum: MAX_QUANTITY },
            'numberOfItems:': { type: 'integer', minimum: 1, maximum: MAX_QUANTITY },
          },
          oneOf: [{ required: ['numberOfItems'] }, { required: ['numberOfItems:'] }],
        },
        Accepted: {
          type: 'object',
          required: ['message', 'purchaseId'],
          additionalProperties: false,
          properties: {
            message: { type: 'string' },
            purchaseId: { type: 'string', format: 'uuid' },
          },
        },
        Error: {
          type: 'object',
          required: ['message', 'code'],
          additionalProperties: false,
          properties: {
            message: { type: 'string' },
            code: { type: 'string', enum: Object.keys(PURCHASE_ERRORS) },
          },
        },
        Health: {
          type: 'object',
          required: ['status'],
          properties: {
            status: { type: 'string', enum: ['ok', 'ready', 'not_ready'] },
            kafkaConnected: { type: 'boolean' },
          },
        },
      },
    },
  } as const;
}

import { MAX_ID, MAX_ITEMS_PER_PURCHASE, MAX_QUANTITY, MIN_ID } from '@tillstream/contract';
import { PURCHASE_ERRORS } from './errors.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './domain/purchase-id.js';

/*
 * The published GianTigle Supermarkets API (CS6650, spec 1.0.0: one operation, `newPurchase`, and the
 * schemas Purchase, PurchaseItems and ResponseMsg), as this service implements it. The published shapes
 * are kept exactly — names, types, the "numberOfItems:" key with its colon, a 201 without a body schema —
 * so a client generated from this document (swagger-codegen, openapi-generator) has the same classes
 * and method signatures as the course's clients. What tillstream adds carries `x-tillstream-addition`
 * (a short reason), and the additions that would change a generated client's API are kept in
 * `x-tillstream-*` extensions instead of the standard fields:
 *   - x-tillstream-content on the 201: the JSON body the service sends (a `content` there would turn
 *     the published `void newPurchase(…)` into a typed return);
 *   - x-tillstream-headers on the operation: optional request headers (header `parameters` would add
 *     arguments to `newPurchase`);
 *   - x-tillstream-accepts on PurchaseItems: the other spellings the service also accepts.
 */

const ADDITION = 'x-tillstream-addition';

/** The published spec's integer ids, with this service's range (the spec gives none). */
const idSchema = { type: 'integer', format: 'int32', minimum: MIN_ID, maximum: MAX_ID } as const;
const ID_PATTERN = '^(0|[1-9][0-9]{0,9})$';
const ID_RULE = `${MIN_ID}…${MAX_ID}, in decimal without sign, fraction or leading zero (so "0" but not "007")`;

const responseMsg = (description: string, headers?: Record<string, unknown>, addition?: string) => ({
  description,
  ...(addition ? { [ADDITION]: addition } : {}),
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ResponseMsg' } } },
});

/**
 * A response for every status of the error table that the document does not describe by name, so a
 * new code with a new status is documented (as an addition) the moment it is added to the table.
 */
function otherErrorResponses(described: readonly number[]) {
  const statuses = [...new Set(Object.values(PURCHASE_ERRORS).map((spec) => spec.status))];
  return Object.fromEntries(
    statuses
      .filter((status) => !described.includes(status))
      .map((status) => [String(status), responseMsg(`${codesOf(status)}.`, undefined, 'error table')]),
  );
}

/** The codes of an HTTP status, as the service's error table lists them. */
function codesOf(status: number): string {
  return Object.entries(PURCHASE_ERRORS)
    .filter(([, spec]) => spec.status === status)
    .map(([code]) => code)
    .join(', ');
}

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
  description: `${description}. tillstream: ${ID_RULE}; anything else is 400 INVALID_PATH.`,
  required: true,
  schema: idSchema,
});

/** The OpenAPI 3.0 document served at /openapi.json; tests check real responses against it. */
export function openApiDocument() {
  return {
    openapi: '3.0.3',
    info: {
      title: 'GianTigle Supermarkets',
      description:
        'This is a simple supermarket example interface for CS6650 at Northeastern University, as ' +
        'implemented by the tillstream purchase service. The operation and schemas are those of the ' +
        'published spec 1.0.0; everything marked x-tillstream-addition is this implementation’s. A 201 ' +
        'is sent only after Kafka stored the purchase (acks=all).',
      version: '1.0.0',
    },
    tags: [{ name: 'Purchase' }],
    paths: {
      '/purchase/{storeID}/customer/{custID}/date/{date}': {
        post: {
          tags: ['Purchase'],
          summary: 'A customer purchase from a store',
          operationId: 'newPurchase',
          parameters: [
            idParameter('storeID', 'ID of the store the purchase takes place at'),
            idParameter('custID', 'customer ID making purchase'),
            {
              name: 'date',
              in: 'path',
              description: 'date of purchase. tillstream: yyyyMMdd, a real calendar date.',
              required: true,
              schema: { type: 'string', pattern: '^[0-9]{8}$' },
            },
          ],
          requestBody: {
            description: 'items purchased',
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Purchase' } } },
          },
          responses: {
            ...otherErrorResponses([400, 401, 404, 405, 413, 415, 422, 500, 503]),
            '201': {
              description: 'Write successful',
              'x-tillstream-content': {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['message', 'purchaseId'],
                    additionalProperties: false,
                    properties: {
                      message: { type: 'string' },
                      purchaseId: {
                        type: 'string',
                        format: 'uuid',
                        description: 'The same for every retry with the same Idempotency-Key.',
                      },
                    },
                  },
                },
              },
            },
            '400': responseMsg(`Invalid inputs (${codesOf(400)}).`),
            '401': responseMsg(
              `${codesOf(401)}: writes are authenticated (PURCHASE_AUTH=on, the default) and the bearer key is missing or wrong.`,
              { 'WWW-Authenticate': { schema: { type: 'string' } } },
              'API keys',
            ),
            '404': responseMsg('Data not found (NOT_FOUND: only for paths this service does not serve).'),
            '405': responseMsg(
              `${codesOf(405)}: only POST is allowed on this path.`,
              { Allow: { required: true, schema: { type: 'string' } } },
              'method check',
            ),
            '413': responseMsg(`${codesOf(413)}: the body is over 64 KiB.`, undefined, 'body size limit'),
            '415': responseMsg(
              `${codesOf(415)}: the body is not application/json.`,
              undefined,
              'media type check',
            ),
            '422': responseMsg(
              `${codesOf(422)}: the Idempotency-Key was used with a different request.`,
              undefined,
              'idempotency keys',
            ),
            '500': responseMsg(`${codesOf(500)}: a bug.`, undefined, 'error table'),
            '503': responseMsg(
              `${codesOf(503)}: Kafka is unavailable or the service is at its in-flight limit.`,
              retryAfter,
              'load shedding and broker outages',
            ),
          },
          // A deployment requires the bearer key; PURCHASE_AUTH=off serves the course clients, which send
          // none. Both are allowed here, so a client generated from this document keeps the course API.
          security: [{}, { bearer: [] }],
          'x-tillstream-headers': [
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
        },
      },
      '/healthz': {
        get: {
          [ADDITION]: 'operations endpoint',
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
          [ADDITION]: 'operations endpoint',
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
          [ADDITION]: 'operations endpoint',
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
          [ADDITION]: 'this document',
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
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', [ADDITION]: 'API keys, required unless PURCHASE_AUTH=off' },
      },
      schemas: {
        Purchase: {
          type: 'object',
          description: `tillstream: items is required, with 1…${MAX_ITEMS_PER_PURCHASE} entries.`,
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_ITEMS_PER_PURCHASE,
              items: { $ref: '#/components/schemas/PurchaseItems' },
            },
          },
        },
        PurchaseItems: {
          type: 'object',
          description:
            'One line item, as the published spec spells it ("numberOfItems:" with the colon). ' +
            `tillstream: ItemID is an id ${ID_RULE}; the quantity is 1…${MAX_QUANTITY}; repeated ItemIDs ` +
            'are summed and the sum must stay within that limit. It also accepts the spellings in ' +
            'x-tillstream-accepts (ItemID as a JSON integer, "numberOfItems" without the colon).',
          required: ['ItemID', 'numberOfItems:'],
          properties: {
            ItemID: { type: 'string', pattern: ID_PATTERN },
            'numberOfItems:': { type: 'integer', format: 'int32', minimum: 1, maximum: MAX_QUANTITY },
          },
          'x-tillstream-accepts': {
            type: 'object',
            description:
              'Exactly one of "numberOfItems:" and "numberOfItems"; ItemID a string or an integer.',
            required: ['ItemID'],
            properties: {
              ItemID: { oneOf: [{ type: 'string', pattern: ID_PATTERN }, idSchema] },
              numberOfItems: { type: 'integer', minimum: 1, maximum: MAX_QUANTITY },
              'numberOfItems:': { type: 'integer', minimum: 1, maximum: MAX_QUANTITY },
            },
            oneOf: [{ required: ['numberOfItems'] }, { required: ['numberOfItems:'] }],
          },
        },
        ResponseMsg: {
          type: 'object',
          description: 'tillstream always sends both fields; code is one of a closed list (see the README).',
          required: ['message', 'code'],
          properties: {
            message: { type: 'string' },
            code: {
              type: 'string',
              enum: Object.keys(PURCHASE_ERRORS),
              [ADDITION]: 'stable error codes',
            },
          },
        },
        Health: {
          type: 'object',
          [ADDITION]: 'operations endpoint',
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

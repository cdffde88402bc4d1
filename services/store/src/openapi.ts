import { MAX_ID, MIN_ID } from '@tillstream/contract';
import { STORE_ERRORS } from './errors.js';

/*
 * The Store API of the published GianTigle Supermarkets spec (CS6650, version 1.11: the `Items`
 * operations topItems and topStores, the TopItems and TopStores shapes, ResponseMsg for errors), as this
 * service implements it. The published shapes are kept exactly so a client generated from this
 * document has the course clients' classes and method signatures; what tillstream adds carries
 * `x-tillstream-addition` (a short reason). The `partial` query parameter lives in the extension
 * `x-tillstream-parameters`, because a standard parameter would add an argument to a generated
 * `topStores(itemID)`.
 */

const ADDITION = 'x-tillstream-addition';
const ID_RULE = `${MIN_ID}…${MAX_ID}, in decimal without sign, fraction or leading zero (so "0" but not "007")`;
const idSchema = { type: 'integer', format: 'int32', minimum: MIN_ID, maximum: MAX_ID } as const;

const idParameter = (name: 'storeID' | 'itemID', description: string) => ({
  name,
  in: 'path',
  description: `${description}. tillstream: ${ID_RULE}; anything else is 400 INVALID_ID.`,
  required: true,
  schema: idSchema,
});

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const json = (schema: object, description: string, extra: object = {}) => ({
  description,
  ...extra,
  content: { 'application/json': { schema } },
});

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
};

const errorResponses = {
  '400': json(ref('ResponseMsg'), 'Invalid inputs (INVALID_ID, INVALID_QUERY, BAD_REQUEST).'),
  '405': json(ref('ResponseMsg'), 'METHOD_NOT_ALLOWED: only GET is allowed.', { [ADDITION]: 'method check' }),
  '503': json(ref('ResponseMsg'), 'SHARD_UNAVAILABLE: a shard failed or did not answer in time.', {
    [ADDITION]: 'shard outages',
    headers: retryAfter,
  }),
};

const count = {
  type: 'integer',
  format: 'int32',
  description: 'Total quantity sold. tillstream: at least 1; a total above 2147483647 is not expected.',
  minimum: 1,
};

/** The API description served at /openapi.json (OpenAPI 3.0); a test checks real responses against it. */
export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'GianTigle Supermarkets',
    description:
      'This is a simple supermarket example interface for CS6650 at Northeastern University: the Store ' +
      'API of the published spec 1.11, as implemented by the tillstream store service (top-10 aggregates ' +
      'read from the PostgreSQL shards). Lists are ordered by numberOfItems descending, ties by id ' +
      'ascending. Answers may be up to STORE_CACHE_TTL_MS (and any replica lag) old. Everything marked ' +
      'x-tillstream-addition is this implementation’s.',
    version: '1.11',
  },
  tags: [{ name: 'Items' }],
  paths: {
    '/items/store/{storeID}': {
      get: {
        tags: ['Items'],
        summary: 'get top 10 items sold at store',
        operationId: 'topItems',
        parameters: [idParameter('storeID', 'ID of the store for top 10 sales')],
        responses: {
          '200': json(ref('TopItems'), 'The (up to) 10 items with the highest total quantity at the store.'),
          '404': json(ref('ResponseMsg'), 'Data not found: the store has no purchases (STORE_NOT_FOUND).'),
          ...errorResponses,
        },
      },
    },
    '/items/top10/{itemID}': {
      get: {
        tags: ['Items'],
        summary: 'get top 5 stores for item sales',
        description:
          'tillstream answers the top 10 stores (not 5), merged from every shard; ties by storeID.',
        operationId: 'topStores',
        parameters: [idParameter('itemID', 'ID of the items that we want to find top stores')],
        'x-tillstream-parameters': [
          {
            name: 'partial',
            in: 'query',
            required: false,
            description:
              'true: when some shards do not answer, return the merge of those that did plus missingShards instead of 503.',
            schema: { type: 'string', enum: ['true', 'false'] },
          },
        ],
        responses: {
          '200': json(ref('TopStores'), 'The top stores (missingShards present when partial=true).'),
          '404': json(ref('ResponseMsg'), 'Data not found: no store has sold the item (ITEM_NOT_FOUND).'),
          ...errorResponses,
        },
      },
    },
    '/healthz': {
      get: {
        operationId: 'health',
        [ADDITION]: 'operations endpoint',
        summary: 'Liveness.',
        responses: { '200': json(ref('Health'), 'The process serves HTTP.') },
      },
    },
    '/readyz': {
      get: {
        operationId: 'ready',
        [ADDITION]: 'operations endpoint',
        summary: 'Readiness: every shard primary answers.',
        responses: {
          '200': json(ref('Readiness'), 'Every shard is reachable.'),
          '503': json(ref('Readiness'), 'Some shard is unreachable.'),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        [ADDITION]: 'operations endpoint',
        summary: 'Prometheus metrics of all workers.',
        responses: {
          '200': {
            description: 'Prometheus text format.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        [ADDITION]: 'this document',
        summary: 'This document.',
        responses: { '200': json({ type: 'object' }, 'OpenAPI 3.0.') },
      },
    },
  },
  components: {
    schemas: {
      TopItems: {
        type: 'object',
        description:
          'tillstream: stores (named so in the spec, though its rows are items) is always present.',
        required: ['stores'],
        additionalProperties: false,
        properties: {
          stores: {
            type: 'array',
            maxItems: 10,
            items: {
              type: 'object',
              required: ['itemID', 'numberOfItems'],
              additionalProperties: false,
              properties: { itemID: idSchema, numberOfItems: count },
            },
          },
        },
      },
      TopStores: {
        type: 'object',
        required: ['stores'],
        additionalProperties: false,
        properties: {
          stores: {
            type: 'array',
            maxItems: 10,
            items: {
              type: 'object',
              required: ['storeID', 'numberOfItems'],
              additionalProperties: false,
              properties: { storeID: idSchema, numberOfItems: count },
            },
          },
          missingShards: {
            [ADDITION]: 'partial answers',
            description: 'Shards (by index) that did not answer; only with partial=true.',
            type: 'array',
            items: { type: 'integer', minimum: 0 },
          },
        },
      },
      ResponseMsg: {
        type: 'object',
        description: 'tillstream always sends both fields; code is one of a closed list (see the README).',
        required: ['message', 'code'],
        properties: {
          message: { type: 'string' },
          code: { type: 'string', enum: Object.keys(STORE_ERRORS), [ADDITION]: 'stable error codes' },
        },
      },
      Health: {
        [ADDITION]: 'operations endpoint',
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string', enum: ['ok'] } },
      },
      Readiness: {
        [ADDITION]: 'operations endpoint',
        type: 'object',
        required: ['status', 'shards'],
        properties: {
          status: { type: 'string', enum: ['ready', 'not ready'] },
          shards: {
            type: 'array',
            items: {
              type: 'object',
              required: ['shard', 'up'],
              properties: { shard: { type: 'integer', minimum: 0 }, up: { type: 'boolean' } },
            },
          },
        },
      },
    },
  },
} as const;

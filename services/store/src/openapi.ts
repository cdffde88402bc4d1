import { MAX_ID } from '@tillstream/contract';
import { STORE_ERRORS } from './errors.js';

const idParameter = (name: 'storeID' | 'itemID', description: string) => ({
  name,
  in: 'path',
  required: true,
  description: `${description} Canonical decimal: no sign, spaces or leading zeros.`,
  schema: { type: 'integer', minimum: 1, maximum: MAX_ID },
});

const json = (schema: object, description: string, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
};

const errorResponses = {
  '400': json(ref('Error'), 'The id is not an integer 1 … 2147483647, or a query parameter is invalid.'),
  '405': json(ref('Error'), 'Only GET is allowed.'),
  '503': json(ref('Error'), 'A shard failed or did not answer in time.', retryAfter),
};

const count = { type: 'integer', minimum: 1, description: 'Total quantity sold.' };

/** The API description served at /openapi.json; a test checks real responses against it. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'tillstream store API',
    version: '1.0.0',
    description:
      'Top-10 aggregates read from the PostgreSQL shards. Lists are ordered by numberOfItems descending, ties by id ascending. Answers may be up to STORE_CACHE_TTL_MS (and any replica lag) old.',
  },
  paths: {
    '/items/store/{storeID}': {
      get: {
        operationId: 'topItemsOfStore',
        summary: 'The (up to) 10 items with the highest total quantity at a store.',
        parameters: [idParameter('storeID', 'The store.')],
        responses: {
          '200': json(ref('TopItems'), 'The top items.'),
          '404': json(ref('Error'), 'The store has no purchases (STORE_NOT_FOUND), or no such route.'),
          ...errorResponses,
        },
      },
    },
    '/items/top10/{itemID}': {
      get: {
        operationId: 'topStoresOfItem',
        summary: 'The (up to) 10 stores with the highest total quantity of an item, merged from every shard.',
        parameters: [
          idParameter('itemID', 'The item.'),
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
          '404': json(ref('Error'), 'No store has sold the item (ITEM_NOT_FOUND), or no such route.'),
          ...errorResponses,
        },
      },
    },
    '/healthz': {
      get: { summary: 'Liveness.', responses: { '200': json(ref('Health'), 'The process serves HTTP.') } },
    },
    '/readyz': {
      get: {
        summary: 'Readiness: every shard primary answers.',
        responses: {
          '200': json(ref('Readiness'), 'Every shard is reachable.'),
          '503': json(ref('Readiness'), 'Some shard is unreachable.'),
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics of all workers.',
        responses: { '200': { description: 'Prometheus text format.', content: { 'text/plain': {} } } },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document.', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1.') } },
    },
  },
  components: {
    schemas: {
      TopItems: {
        type: 'object',
        required: ['stores'],
        additionalProperties: false,
        properties: {
          stores: {
            description: 'Named `stores` as in the published spec, though its rows are items.',
            type: 'array',
            maxItems: 10,
            items: {
              type: 'object',
              required: ['itemID', 'numberOfItems'],
              additionalProperties: false,
              properties: { itemID: { type: 'integer', minimum: 1, maximum: MAX_ID }, numberOfItems: count },
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
              properties: { storeID: { type: 'integer', minimum: 1, maximum: MAX_ID }, numberOfItems: count },
            },
          },
          missingShards: {
            description: 'Shards (by index) that did not answer; only with partial=true.',
            type: 'array',
            items: { type: 'integer', minimum: 0 },
          },
        },
      },
      Error: {
        type: 'object',
        required: ['message', 'code'],
        properties: {
          message: { type: 'string' },
          code: { type: 'string', enum: Object.keys(STORE_ERRORS) },
        },
      },
      Health: {
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string', const: 'ok' } },
      },
      Readiness: {
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

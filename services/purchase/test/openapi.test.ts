import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { PURCHASE_ERRORS } from '../src/errors.js';
import { openApiDocument } from '../src/openapi.js';
import { PURCHASE_PATH, post, startTestApp, type TestApp } from './support/test-app.js';

const document = openApiDocument();
// OpenAPI 3.0 schema objects are a subset of JSON Schema draft 7 (ajv's default) plus `x-` extensions,
// which a non-strict ajv ignores.
const ajv = new Ajv({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
ajv.addSchema({ ...document, $id: 'openapi' });

type Operation = {
  responses: Record<
    string,
    {
      headers?: Record<string, { required?: boolean }>;
      content?: Record<string, unknown>;
      'x-tillstream-content'?: Record<string, unknown>;
    }
  >;
};
const TEMPLATE = '/purchase/{storeID}/customer/{custID}/date/{date}';

function operationFor(method: string, path: string): { template: string; operation: Operation | undefined } {
  const template = path.startsWith('/purchase/') ? TEMPLATE : path;
  const item = (document.paths as Record<string, Record<string, Operation>>)[template];
  return { template, operation: item?.[method.toLowerCase()] };
}

/** Checks a real response against the document: documented status, required headers, body schema. */
async function conforms(method: string, path: string, response: Response): Promise<void> {
  const { template, operation } = operationFor(method, path);
  const status = String(response.status);
  const where = `${method} ${path} → ${status}`;
  const type = response.headers.get('content-type')?.split(';')[0] ?? '';
  const body = type === 'application/json' ? await response.json() : await response.text();
  if (operation === undefined) {
    // Undocumented method/path combinations may only answer 404/405 with the Error schema.
    assert.ok(['404', '405'].includes(status), where);
    const validate = ajv.getSchema('openapi#/components/schemas/ResponseMsg')!;
    assert.ok(validate(body), `${where}: ${ajv.errorsText(validate.errors)}`);
    return;
  }
  const documented = operation.responses[status];
  assert.ok(documented, `${where} is not documented`);
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    if (header.required) assert.ok(response.headers.get(name) !== null, `${where}: header ${name} missing`);
  }
  // The 201's body is documented in an extension, so generated clients keep the published signature.
  const contentKey = documented.content ? 'content' : 'x-tillstream-content';
  assert.ok(documented[contentKey]?.[type], `${where}: content type ${type} not documented`);
  const methods = Object.keys((document.paths as Record<string, object>)[template]!);
  const pointer = `/paths/${template.replaceAll('~', '~0').replaceAll('/', '~1')}/${methods.find((m) => m === method.toLowerCase())}/responses/${status}/${contentKey}/${type.replace('/', '~1')}/schema`;
  const validate = ajv.getSchema(`openapi#${pointer}`);
  assert.ok(validate, `${where}: no schema at ${pointer}`);
  assert.ok(validate(body), `${where}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}

let app: TestApp;
let down: TestApp;
let keyed: TestApp;
before(async () => {
  app = await startTestApp();
  down = await startTestApp({ isKafkaConnected: () => false });
  keyed = await startTestApp({ apiKeys: ['k'] });
});
after(async () => {
  await Promise.all([app.close(), down.close(), keyed.close()]);
});

const good = { items: [{ ItemID: '1', 'numberOfItems:': 2 }] };

test('the document is OpenAPI 3.0, lists every error code and documents every status the codes use', () => {
  assert.equal(document.openapi, '3.0.3');
  assert.deepEqual(
    [...document.components.schemas.ResponseMsg.properties.code.enum].sort(),
    Object.keys(PURCHASE_ERRORS).sort(),
  );
  const responses = document.paths['/purchase/{storeID}/customer/{custID}/date/{date}'].post.responses;
  for (const [code, spec] of Object.entries(PURCHASE_ERRORS)) {
    const response = (responses as Record<string, { description: string }>)[String(spec.status)];
    assert.ok(response, `${code}: status ${spec.status} not documented`);
    if (spec.status !== 404) assert.match(response.description, new RegExp(code), `${code} not named`);
  }
});

test('the published spec 1.0.0 shapes are kept exactly, and the additions are marked', () => {
  const operation = document.paths['/purchase/{storeID}/customer/{custID}/date/{date}'].post;
  assert.equal(operation.operationId, 'newPurchase');
  assert.deepEqual(operation.tags, ['Purchase']);
  assert.deepEqual(
    operation.parameters.map((p) => [p.name, p.in, p.required, p.schema.type]),
    [
      ['storeID', 'path', true, 'integer'],
      ['custID', 'path', true, 'integer'],
      ['date', 'path', true, 'string'],
    ],
    'the path parameters only: a header parameter would add an argument to a generated newPurchase',
  );
  for (const id of operation.parameters.slice(0, 2)) {
    assert.deepEqual([id.schema.minimum, id.schema.maximum], [0, 2147483647]);
  }
  assert.equal(
    operation.requestBody.content['application/json'].schema.$ref,
    '#/components/schemas/Purchase',
  );
  assert.equal('content' in operation.responses['201'], false, 'the published 201 has no body schema');
  for (const status of ['400', '404'] as const) {
    assert.equal(
      operation.responses[status].content['application/json'].schema.$ref,
      '#/components/schemas/ResponseMsg',
    );
  }
  const { Purchase, PurchaseItems, ResponseMsg } = document.components.schemas;
  assert.deepEqual(Object.keys(Purchase.properties), ['items']);
  assert.equal(Purchase.properties.items.items.$ref, '#/components/schemas/PurchaseItems');
  assert.deepEqual(Object.keys(PurchaseItems.properties), ['ItemID', 'numberOfItems:']);
  assert.equal(PurchaseItems.properties.ItemID.type, 'string');
  assert.equal(PurchaseItems.properties['numberOfItems:'].type, 'integer');
  assert.equal(ResponseMsg.properties.message.type, 'string');
  assert.ok('x-tillstream-addition' in ResponseMsg.properties.code);
  for (const status of ['401', '405', '413', '415', '422', '500', '503'] as const) {
    assert.ok('x-tillstream-addition' in operation.responses[status], `${status} is marked as an addition`);
  }
  for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json'] as const) {
    assert.ok('x-tillstream-addition' in document.paths[path].get, `${path} is marked as an addition`);
  }
});

test('the served document is the document', async () => {
  const response = await fetch(`${app.url}/openapi.json`);
  assert.deepEqual(await response.json(), JSON.parse(JSON.stringify(document)));
});

test('request bodies: the published shape is accepted, and the service accepts exactly what the document says', async () => {
  const published = ajv.getSchema('openapi#/components/schemas/Purchase')!;
  // What the service accepts: Purchase with each item in the published shape or an x-tillstream-accepts one.
  const accepted = ajv.compile({
    ...document.components.schemas.Purchase,
    properties: {
      items: {
        ...document.components.schemas.Purchase.properties.items,
        items: { $ref: 'openapi#/components/schemas/PurchaseItems/x-tillstream-accepts' },
      },
    },
  });
  // Bodies as a client generated from the document sends them: valid for the document, and accepted.
  const publishedBodies = [
    good,
    { items: [{ ItemID: '0', 'numberOfItems:': 1 }] },
    { items: [{ ItemID: String(2147483647), 'numberOfItems:': 10_000 }] },
  ];
  for (const body of publishedBodies) {
    assert.ok(published(body), ajv.errorsText(published.errors));
    const response = await post(`${app.url}${PURCHASE_PATH}`, body);
    assert.equal(response.status, 201, JSON.stringify(body));
    await response.arrayBuffer();
  }
  const bodies = [
    ...publishedBodies,
    { items: [{ ItemID: 3, numberOfItems: 1 }] },
    { items: [{ ItemID: 0, 'numberOfItems:': 1 }] },
    { items: [{ ItemID: '3', numberOfItems: 1 }] },
    { items: [{ ItemID: '3' }] },
    { items: [{ ItemID: '3', numberOfItems: 1, 'numberOfItems:': 1 }] },
    { items: [] },
    { items: [{ ItemID: '007', 'numberOfItems:': 1 }] },
    { items: [{ ItemID: '-1', 'numberOfItems:': 1 }] },
    { items: [{ ItemID: -1, numberOfItems: 1 }] },
    { items: [{ ItemID: 2147483648, numberOfItems: 1 }] },
    { items: [{ ItemID: '3', numberOfItems: 0 }] },
  ];
  for (const body of bodies) {
    const response = await post(`${app.url}${PURCHASE_PATH}`, body);
    assert.equal(response.status === 201, accepted(body), JSON.stringify(body));
    await response.arrayBuffer();
  }
});

test('real responses match the document', async () => {
  const cases: [TestApp, string, string, RequestInit][] = [
    [
      app,
      'POST',
      PURCHASE_PATH,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(good) },
    ],
    [
      app,
      'POST',
      '/purchase/x/customer/1/date/20210101',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(good) },
    ],
    [
      app,
      'POST',
      PURCHASE_PATH,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' },
    ],
    [
      app,
      'POST',
      PURCHASE_PATH,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items":[]}' },
    ],
    [app, 'POST', PURCHASE_PATH, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }],
    [
      app,
      'POST',
      PURCHASE_PATH,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [], pad: 'x'.repeat(70_000) }),
      },
    ],
    [app, 'GET', PURCHASE_PATH, { method: 'GET' }],
    [app, 'DELETE', PURCHASE_PATH, { method: 'DELETE' }],
    [app, 'GET', '/nowhere', { method: 'GET' }],
    [app, 'GET', '/healthz', { method: 'GET' }],
    [app, 'GET', '/readyz', { method: 'GET' }],
    [app, 'GET', '/metrics', { method: 'GET' }],
    [app, 'GET', '/openapi.json', { method: 'GET' }],
    [down, 'GET', '/readyz', { method: 'GET' }],
    [
      down,
      'POST',
      PURCHASE_PATH,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(good) },
    ],
    [
      keyed,
      'POST',
      PURCHASE_PATH,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(good) },
    ],
    [
      keyed,
      'POST',
      PURCHASE_PATH,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
        body: JSON.stringify(good),
      },
    ],
  ];
  const seen = new Set<number>();
  for (const [target, method, path, init] of cases) {
    const response = await fetch(`${target.url}${path}`, init);
    seen.add(response.status);
    await conforms(method, path, response);
  }
  assert.deepEqual([...seen].sort(), [200, 201, 400, 401, 404, 405, 413, 415, 503]);
});

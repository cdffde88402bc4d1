import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { PURCHASE_ERRORS } from '../src/errors.js';
import { openApiDocument } from '../src/openapi.js';
import { PURCHASE_PATH, post, startTestApp, type TestApp } from './support/test-app.js';

const document = openApiDocument();
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ ...document, $id: 'openapi' });

type Operation = {
  responses: Record<
    string,
    { headers?: Record<string, { required?: boolean }>; content?: Record<string, unknown> }
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
    const validate = ajv.getSchema('openapi#/components/schemas/Error')!;
    assert.ok(validate(body), `${where}: ${ajv.errorsText(validate.errors)}`);
    return;
  }
  const documented = operation.responses[status];
  assert.ok(documented, `${where} is not documented`);
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    if (header.required) assert.ok(response.headers.get(name) !== null, `${where}: header ${name} missing`);
  }
  assert.ok(documented.content?.[type], `${where}: content type ${type} not documented`);
  const methods = Object.keys((document.paths as Record<string, object>)[template]!);
  const pointer = `/paths/${template.replaceAll('~', '~0').replaceAll('/', '~1')}/${methods.find((m) => m === method.toLowerCase())}/responses/${status}/content/${type.replace('/', '~1')}/schema`;
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

test('the document is OpenAPI 3.1 and lists every error code', () => {
  assert.equal(document.openapi, '3.1.0');
  assert.deepEqual(
    [...document.components.schemas.Error.properties.code.enum].sort(),
    Object.keys(PURCHASE_ERRORS).sort(),
  );
});

test('the served document is the document', async () => {
  const response = await fetch(`${app.url}/openapi.json`);
  assert.deepEqual(await response.json(), JSON.parse(JSON.stringify(document)));
});

test('request examples the document accepts are accepted by the service, and vice versa', async () => {
  const validate = ajv.getSchema('openapi#/components/schemas/Purchase')!;
  const bodies = [
    good,
    { items: [{ ItemID: 3, numberOfItems: 1 }] },
    { items: [{ ItemID: '3' }] },
    { items: [{ ItemID: '3', numberOfItems: 1, 'numberOfItems:': 1 }] },
    { items: [] },
    { items: [{ ItemID: '0', numberOfItems: 1 }] },
    { items: [{ ItemID: '3', numberOfItems: 0 }] },
  ];
  for (const body of bodies) {
    const response = await post(`${app.url}${PURCHASE_PATH}`, body);
    assert.equal(response.status === 201, validate(body), JSON.stringify(body));
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

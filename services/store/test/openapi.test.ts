import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STORE_ERRORS } from '../src/errors.js';
import { openApiDocument as document } from '../src/openapi.js';

test('the published Store API shapes (spec 1.11) are kept exactly, with integer ids 0 … 2147483647', () => {
  assert.equal(document.openapi, '3.0.3');
  const topItems = document.paths['/items/store/{storeID}'].get;
  const topStores = document.paths['/items/top10/{itemID}'].get;
  assert.deepEqual([topItems.operationId, topStores.operationId], ['topItems', 'topStores']);
  assert.deepEqual([topItems.tags, topStores.tags], [['Items'], ['Items']]);
  for (const [operation, name] of [
    [topItems, 'storeID'],
    [topStores, 'itemID'],
  ] as const) {
    assert.deepEqual(
      operation.parameters.map((p) => [p.name, p.in, p.schema.type, p.schema.minimum, p.schema.maximum]),
      [[name, 'path', 'integer', 0, 2147483647]],
      'only the path id: another parameter would add an argument to the generated method',
    );
    for (const status of ['200', '400', '404'] as const) assert.ok(operation.responses[status], status);
  }
  const { TopItems, TopStores, ResponseMsg } = document.components.schemas;
  assert.deepEqual(Object.keys(TopItems.properties.stores.items.properties), ['itemID', 'numberOfItems']);
  assert.deepEqual(Object.keys(TopStores.properties.stores.items.properties), ['storeID', 'numberOfItems']);
  assert.equal(TopItems.properties.stores.items.properties.itemID.minimum, 0);
  assert.equal(TopStores.properties.stores.items.properties.storeID.minimum, 0);
  assert.deepEqual([...ResponseMsg.properties.code.enum].sort(), Object.keys(STORE_ERRORS).sort());
});

test("tillstream's additions are marked", () => {
  const topStores = document.paths['/items/top10/{itemID}'].get;
  assert.deepEqual(
    topStores['x-tillstream-parameters'].map((p) => p.name),
    ['partial'],
  );
  assert.ok('x-tillstream-addition' in document.components.schemas.TopStores.properties.missingShards);
  assert.ok('x-tillstream-addition' in document.components.schemas.ResponseMsg.properties.code);
  for (const status of ['405', '503'] as const) {
    assert.ok('x-tillstream-addition' in topStores.responses[status], status);
  }
  for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json'] as const) {
    assert.ok('x-tillstream-addition' in document.paths[path].get, path);
  }
});

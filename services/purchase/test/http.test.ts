import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePurchaseEvent, EventHeaders, parseTraceparent } from '@tillstream/contract';
import { BatchTimeoutError, InFlightLimitError, MicroBatcher } from '../src/domain/batcher.js';
import { keyIdOf } from '../src/auth.js';
import { BODY_LIMIT_BYTES } from '../src/http.js';
import { derivePurchaseId, idempotencyKeyHash } from '../src/domain/purchase-id.js';
import type { OutgoingMessage } from '../src/types.js';
import { ManualClock } from './support/manual-clock.js';
import { PURCHASE_PATH, post, startTestApp, type TestApp } from './support/test-app.js';

const body = { items: [{ ItemID: '42', 'numberOfItems:': 3 }] };

describe('POST /purchase/… with an in-memory publisher', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('201 with the purchase id, after publishing the event', async () => {
    const response = await post(`${app.url}${PURCHASE_PATH}`, {
      items: [
        { ItemID: '42', 'numberOfItems:': 3 },
        { ItemID: 42, numberOfItems: 2 },
        { ItemID: 5, numberOfItems: 1 },
      ],
    });
    assert.equal(response.status, 201);
    const answer = (await response.json()) as { message: string; purchaseId: string };
    assert.equal(typeof answer.message, 'string');
    const message = app.published.at(-1)!;
    assert.equal(message.key, '7');
    const decoded = decodePurchaseEvent(message.value);
    assert.ok(decoded.ok);
    assert.equal(decoded.event.purchaseId, answer.purchaseId);
    assert.deepEqual(decoded.event.items, [
      { itemId: 42, quantity: 5 },
      { itemId: 5, quantity: 1 },
    ]);
    assert.equal(decoded.event.date, '2021-01-01');
    assert.equal(decoded.event.receivedAt, '2021-06-01T12:00:00.000Z', 'the injected clock');
  });

  test('at info, an accepted purchase writes no log line; its event carries no key id when auth is off', async () => {
    const quiet = await startTestApp({ logLevel: 'info' });
    try {
      const response = await post(`${quiet.url}${PURCHASE_PATH}`, body);
      assert.equal(response.status, 201);
      assert.deepEqual(quiet.logs, []);
      assert.equal(quiet.published.length, 1);
      assert.equal(quiet.published[0]!.headers[EventHeaders.apiKeyId], undefined);
    } finally {
      await quiet.close();
    }
  });

  test('at debug, one audit line per accepted purchase, without a key id when auth is off', async () => {
    const before = app.logs.filter((l) => l.fields.audit === 'purchase_accepted').length;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await post(`${app.url}${PURCHASE_PATH}`, body, {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    const { purchaseId } = (await response.json()) as { purchaseId: string };
    const audits = app.logs.filter((l) => l.fields.audit === 'purchase_accepted');
    assert.equal(audits.length, before + 1);
    assert.deepEqual(
      { ...audits.at(-1)!.fields, reqId: undefined },
      { audit: 'purchase_accepted', purchaseId, storeId: 7, keyId: null, reqId: undefined, traceId },
    );
  });

  test('the same Idempotency-Key with the same request gives the same purchaseId', async () => {
    const ids = [];
    // The same request, spelled differently: same canonical body.
    const bodies = [
      { items: [{ ItemID: '42', 'numberOfItems:': 3 }] },
      {
        items: [
          { ItemID: 42, numberOfItems: 1 },
          { ItemID: '42', numberOfItems: 2 },
        ],
      },
    ];
    for (const sent of bodies) {
      const response = await post(`${app.url}${PURCHASE_PATH}`, sent, { 'Idempotency-Key': 'order-17' });
      assert.equal(response.status, 201);
      ids.push(((await response.json()) as { purchaseId: string }).purchaseId);
    }
    assert.equal(ids[0], ids[1]);
    const request = {
      idempotencyKey: 'order-17',
      apiKeyId: undefined,
      path: { storeId: 7, customerId: 9, date: '2021-01-01' },
      items: [{ itemId: 42, quantity: 3 }],
    };
    assert.equal(ids[0], derivePurchaseId(request));
    assert.equal(app.published.at(-1)!.headers[EventHeaders.idempotencyKeyHash], idempotencyKeyHash(request));
    const other = await post(`${app.url}/purchase/8/customer/9/date/20210101`, body, {
      'Idempotency-Key': 'order-17',
    });
    assert.equal(other.status, 201, 'a key is scoped to its path');
    assert.notEqual(((await other.json()) as { purchaseId: string }).purchaseId, ids[0]);
  });

  test('422 IDEMPOTENCY_KEY_REUSED for a key reused with a different body; nothing published', async () => {
    const url = `${app.url}${PURCHASE_PATH}`;
    const first = await post(url, body, { 'Idempotency-Key': 'order-18' });
    assert.equal(first.status, 201);
    const count = app.published.length;
    const reused = await post(
      url,
      { items: [{ ItemID: '43', numberOfItems: 1 }] },
      { 'Idempotency-Key': 'order-18' },
    );
    await expectError(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(app.published.length, count);
    assert.match(
      await app.metricsText(),
      /purchase_rejected_total\{[^}]*reason="idempotency_key_reused"[^}]*\} 1/,
    );
    const again = await post(url, body, { 'Idempotency-Key': 'order-18' });
    assert.equal(again.status, 201, 'the first request can still be retried');
  });

  test('without Idempotency-Key every purchase gets a new id', async () => {
    const a = (await (await post(`${app.url}${PURCHASE_PATH}`, body)).json()) as { purchaseId: string };
    const b = (await (await post(`${app.url}${PURCHASE_PATH}`, body)).json()) as { purchaseId: string };
    assert.notEqual(a.purchaseId, b.purchaseId);
  });

  test('a valid traceparent is continued in the event headers', async () => {
    await post(`${app.url}${PURCHASE_PATH}`, body, {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    const trace = parseTraceparent(app.published.at(-1)!.headers[EventHeaders.traceparent]);
    assert.equal(trace?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  });

  const expectError = async (response: Response, status: number, code: string) => {
    assert.equal(response.status, status);
    const answer = (await response.json()) as { message: string; code: string };
    assert.equal(answer.code, code);
    assert.ok(answer.message.length > 0);
    return answer;
  };

  test('400 names the bad path parts', async () => {
    const answer = await expectError(
      await post(`${app.url}/purchase/-1/customer/01/date/20210230`, body),
      400,
      'INVALID_PATH',
    );
    assert.match(answer.message, /storeID.*custID.*date/);
    await expectError(
      await post(`${app.url}/purchase/%E0%A4%A/customer/1/date/20210101`, body),
      400,
      'BAD_REQUEST',
    );
  });

  test('400 for an invalid body, malformed JSON, a non-object or a bad Idempotency-Key', async () => {
    const url = `${app.url}${PURCHASE_PATH}`;
    const count = app.published.length;
    await expectError(await post(url, { items: [{ ItemID: '1' }] }), 400, 'INVALID_BODY');
    await expectError(await post(url, '{"items": ['), 400, 'MALFORMED_JSON');
    await expectError(await post(url, '"just a string"'), 400, 'MALFORMED_JSON');
    await expectError(await post(url, '[]'), 400, 'INVALID_BODY');
    await expectError(await post(url, ''), 400, 'INVALID_BODY');
    await expectError(
      await post(url, body, { 'Idempotency-Key': 'k'.repeat(201) }),
      400,
      'INVALID_IDEMPOTENCY_KEY',
    );
    assert.equal(app.published.length, count, 'nothing invalid is published');
  });

  test('404 for unknown routes, 405 with Allow for other methods on the purchase path', async () => {
    await expectError(await post(`${app.url}/purchase/7/customer/9`, body), 404, 'NOT_FOUND');
    await expectError(await fetch(`${app.url}/nope`), 404, 'NOT_FOUND');
    const get = await fetch(`${app.url}${PURCHASE_PATH}`);
    assert.equal(get.headers.get('allow'), 'POST');
    await expectError(get, 405, 'METHOD_NOT_ALLOWED');
    await expectError(
      await fetch(`${app.url}${PURCHASE_PATH}`, { method: 'PUT' }),
      405,
      'METHOD_NOT_ALLOWED',
    );
    await expectError(await fetch(`${app.url}/healthz`, { method: 'POST' }), 405, 'METHOD_NOT_ALLOWED');
  });

  test('413 over 64 KiB; a 1000-item purchase fits', async () => {
    const padding = 'x'.repeat(BODY_LIMIT_BYTES);
    await expectError(
      await post(`${app.url}${PURCHASE_PATH}`, { items: [], padding }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    const items = Array.from({ length: 1000 }, (_, i) => ({
      ItemID: String(2_000_000_000 + i),
      'numberOfItems:': 10_000,
    }));
    assert.equal((await post(`${app.url}${PURCHASE_PATH}`, { items })).status, 201);
  });

  test('415 when the body is not application/json', async () => {
    const url = `${app.url}${PURCHASE_PATH}`;
    await expectError(await post(url, body, { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(await fetch(url, { method: 'POST' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(
      await post(url, body, { 'content-type': 'application/json; charset=latin1' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.equal((await post(url, body, { 'content-type': 'application/json; charset=utf-8' })).status, 201);
  });

  test('health, readiness, metrics and the OpenAPI document', async () => {
    assert.deepEqual(await (await fetch(`${app.url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${app.url}/readyz`)).json(), {
      status: 'ready',
      kafkaConnected: true,
    });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(
      metrics,
      /http_requests_total\{[^}]*route="\/purchase\/:storeID\/customer\/:custID\/date\/:date"[^}]*status="201"/,
    );
    assert.match(metrics, /purchase_rejected_total\{reason="in_flight_limit"/);
    const document = (await (await fetch(`${app.url}/openapi.json`)).json()) as { openapi: string };
    assert.equal(document.openapi, '3.0.3');
  });

  test('property: arbitrary paths and bodies never get a 5xx', async () => {
    const segment = fc.oneof(
      fc.nat().map(String),
      fc.constantFrom(
        '20210101',
        '20210229',
        '0',
        '2147483648',
        '-1',
        '%20',
        '..',
        '%',
        '%zz',
        '%E0%A4%A',
        '%2F',
        '%00',
      ),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    const anyBody = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      fc
        .record({
          items: fc.array(
            fc.dictionary(fc.constantFrom('ItemID', 'numberOfItems', 'numberOfItems:', 'x'), fc.jsonValue()),
          ),
        })
        .map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(
        segment,
        segment,
        segment,
        anyBody,
        fc.constantFrom('POST', 'GET', 'PUT'),
        async (s, c, d, raw, method) => {
          const response = await fetch(`${app.url}/purchase/${s}/customer/${c}/date/${d}`, {
            method,
            headers: { 'content-type': 'application/json' },
            ...(method === 'GET' ? {} : { body: raw }),
          });
          await response.arrayBuffer();
          assert.ok(response.status < 500, `${response.status} for ${method} ${s}/${c}/${d} ${raw}`);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('API keys', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ apiKeys: ['s3cret-one', 's3cret-two'] });
  });
  after(() => app.close());

  test('401 without a valid bearer key, counted as unauthorized', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret-one' }]) {
      const response = await post(`${app.url}${PURCHASE_PATH}`, body, headers);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      assert.equal(((await response.json()) as { code: string }).code, 'UNAUTHORIZED');
    }
    assert.match(await app.metricsText(), /purchase_rejected_total\{reason="unauthorized"[^}]*\} 3/);
    assert.equal(app.published.length, 0);
  });

  test('every refused write is audit-logged with its reason, address and key id, never the key', async () => {
    const before = app.logs.length;
    for (const headers of [
      {},
      { authorization: 'Basic s3cret-one' },
      { authorization: 'Bearer s3cret-old' },
    ]) {
      assert.equal((await post(`${app.url}${PURCHASE_PATH}`, body, headers)).status, 401);
    }
    const audits = app.logs.slice(before).filter((l) => l.fields.audit === 'purchase_unauthorized');
    assert.deepEqual(
      audits.map((l) => [l.level, l.fields.reason, l.fields.keyId]),
      [
        ['warn', 'missing', null],
        ['warn', 'malformed', null],
        ['warn', 'unknown_key', keyIdOf('s3cret-old')],
      ],
    );
    for (const audit of audits) {
      assert.match(String(audit.fields.remoteAddress), /127\.0\.0\.1/);
      assert.equal(audit.fields.path, PURCHASE_PATH);
      assert.ok(audit.fields.reqId);
    }
    assert.ok(!JSON.stringify(app.logs).includes('s3cret'));
  });

  test('201 with a valid key; the audit line names the key id, never the key', async () => {
    const response = await post(`${app.url}${PURCHASE_PATH}`, body, { authorization: 'Bearer s3cret-two' });
    assert.equal(response.status, 201);
    const audit = app.logs.find((l) => l.fields.audit === 'purchase_accepted');
    assert.equal(audit?.level, 'debug');
    assert.equal(audit?.fields.keyId, keyIdOf('s3cret-two'));
    // The durable record: the event names the key by its id too.
    assert.equal(app.published.at(-1)!.headers[EventHeaders.apiKeyId], keyIdOf('s3cret-two'));
    assert.ok(!JSON.stringify(app.logs).includes('s3cret'));
  });
});

describe('503 with Retry-After', () => {
  test('while Kafka is not connected, at once and without publishing', async () => {
    const app = await startTestApp({ isKafkaConnected: () => false });
    try {
      const response = await post(`${app.url}${PURCHASE_PATH}`, body);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '2');
      assert.equal(((await response.json()) as { code: string }).code, 'KAFKA_UNAVAILABLE');
      assert.equal(app.published.length, 0);
      assert.equal((await fetch(`${app.url}/readyz`)).status, 503);
      assert.match(await app.metricsText(), /purchase_rejected_total\{reason="kafka_unavailable"[^}]*\} 1/);
    } finally {
      await app.close();
    }
  });

  test('when Kafka does not acknowledge in time', async () => {
    const app = await startTestApp({ publish: () => Promise.reject(new BatchTimeoutError(5000)) });
    try {
      const response = await post(`${app.url}${PURCHASE_PATH}`, body);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '2');
      assert.equal(((await response.json()) as { code: string }).code, 'KAFKA_UNAVAILABLE');
      assert.equal(app.logs.filter((l) => l.fields.audit).length, 0, 'no audit line for a failed purchase');
    } finally {
      await app.close();
    }
  });

  test('at the in-flight limit (the real batcher, its send held)', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const clock = new ManualClock();
    const batcher = new MicroBatcher<OutgoingMessage>({
      clock,
      maxMessages: 100,
      maxBytes: 1_000_000,
      lingerMs: 1,
      concurrency: 1,
      maxInFlight: 2,
      timeoutMs: 10_000,
      send: () => held,
      sizeOf: () => 1,
    });
    let submitted = 0;
    let bothHeld!: () => void;
    const bothSubmitted = new Promise<void>((resolve) => (bothHeld = resolve));
    const app = await startTestApp({
      publish: (m) => {
        const settled = batcher.submit(m);
        if (++submitted === 2) bothHeld();
        return settled;
      },
      isAtCapacity: () => batcher.atCapacity,
    });
    try {
      const first = [post(`${app.url}${PURCHASE_PATH}`, body), post(`${app.url}${PURCHASE_PATH}`, body)];
      await bothSubmitted;
      const refused = await post(`${app.url}${PURCHASE_PATH}`, body);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '2');
      assert.equal(((await refused.json()) as { code: string }).code, 'IN_FLIGHT_LIMIT');
      assert.match(await app.metricsText(), /purchase_rejected_total\{reason="in_flight_limit"[^}]*\} 1/);
      await clock.advance(1); // the linger: the batch of two goes to the held send
      release();
      for (const response of await Promise.all(first)) assert.equal(response.status, 201);
    } finally {
      await app.close();
    }
  });

  test('at capacity the body is not even read: a malformed one gets the same 503', async () => {
    const app = await startTestApp({ isAtCapacity: () => true });
    try {
      const response = await post(`${app.url}${PURCHASE_PATH}`, '{"items": [');
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '2');
      assert.equal(((await response.json()) as { code: string }).code, 'IN_FLIGHT_LIMIT');
      const next = await post(`${app.url}${PURCHASE_PATH}`, '{"items": [');
      assert.equal(next.status, 503, 'the connection stays usable');
    } finally {
      await app.close();
    }
  });

  test('an InFlightLimitError from any publisher maps to IN_FLIGHT_LIMIT', async () => {
    const app = await startTestApp({ publish: () => Promise.reject(new InFlightLimitError('1 purchase')) });
    try {
      const response = await post(`${app.url}${PURCHASE_PATH}`, body);
      assert.equal(response.status, 503);
      assert.equal(((await response.json()) as { code: string }).code, 'IN_FLIGHT_LIMIT');
    } finally {
      await app.close();
    }
  });
});

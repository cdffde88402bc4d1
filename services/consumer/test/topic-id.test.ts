import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMetadataResponse, encodeMetadataRequest, TopicIdError } from '../src/topic-id.js';

/** A Metadata v10 response body as a broker writes it (flexible encoding), for one topic. */
function response(correlationId: number, topics: { name: string; errorCode: number; id: string }[]): Buffer {
  const parts: Buffer[] = [];
  const int32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    parts.push(b);
  };
  const int16 = (v: number) => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    parts.push(b);
  };
  const byte = (v: number) => parts.push(Buffer.from([v]));
  const str = (s: string) => {
    byte(s.length + 1);
    parts.push(Buffer.from(s));
  };
  int32(correlationId);
  byte(0); // header tags
  int32(0); // throttle
  byte(2); // one broker
  int32(1);
  str('127.0.0.1');
  int32(9092);
  byte(0); // rack null
  byte(0); // tags
  str('cluster'); // cluster id
  int32(1); // controller
  byte(topics.length + 1);
  for (const t of topics) {
    int16(t.errorCode);
    str(t.name);
    parts.push(Buffer.from(t.id.replace(/-/g, ''), 'hex'));
    byte(0); // is_internal
    byte(2); // one partition
    int16(0);
    int32(0);
    int32(1);
    int32(0);
    byte(2);
    int32(1); // replicas
    byte(2);
    int32(1); // isr
    byte(1); // offline: empty
    byte(0); // tags
    int32(0); // authorized ops
    byte(0); // tags
  }
  int32(0); // cluster authorized ops
  byte(0); // tags
  return Buffer.concat(parts);
}

describe('topic id over Metadata v10', () => {
  it('encodes a request for one named topic with the flexible header', () => {
    const request = encodeMetadataRequest('purchases', 7, 'c');
    assert.equal(request.readInt32BE(0), request.length - 4);
    assert.equal(request.readInt16BE(4), 3, 'Metadata');
    assert.equal(request.readInt16BE(6), 10, 'version 10');
    assert.equal(request.readInt32BE(8), 7);
    assert.ok(request.includes(Buffer.from('\npurchases')), 'compact string: length + 1 = 10');
  });

  it('reads the id of the topic asked for', () => {
    const id = '5d06ef49-0b00-453c-97bc-6f785044611e';
    const body = response(7, [
      { name: 'other', errorCode: 0, id: '63ff665e-91d1-4eae-890e-1e89ee71b316' },
      { name: 'purchases', errorCode: 0, id },
    ]);
    assert.deepEqual(decodeMetadataResponse(body, 'purchases', 7), { topicId: id });
  });

  it('reports no id when the broker has none, and a missing topic as an error', () => {
    const zero = '00000000-0000-0000-0000-000000000000';
    assert.deepEqual(decodeMetadataResponse(response(1, [{ name: 't', errorCode: 0, id: zero }]), 't', 1), {
      topicId: undefined,
    });
    assert.throws(
      () => decodeMetadataResponse(response(1, [{ name: 't', errorCode: 3, id: zero }]), 't', 1),
      (error: unknown) => error instanceof TopicIdError && /does not exist/.test(error.message),
    );
    assert.throws(() => decodeMetadataResponse(response(2, []), 't', 1), /another request/);
    assert.throws(() => decodeMetadataResponse(response(1, []).subarray(0, 10), 't', 1), /truncated/);
  });
});

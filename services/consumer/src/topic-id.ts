import { connect, type Socket } from 'node:net';

/**
 * Kafka's topic id: a UUID the controller gives a topic when it is created. A topic deleted and
 * created again under the same name (or re-created after a single-replica broker lost its disk) has
 * a new id, and its offsets start again at 0 — so the id tells which incarnation of the topic a
 * stored offset belongs to.
 *
 * kafkajs (2.2) speaks Metadata v0–v6, which predate topic ids (Metadata v10, Kafka 2.8+). This is
 * the one request the consumer needs from a newer protocol version, over a plain TCP connection:
 * a Metadata v10 request for one topic, of which only the topic's error code and id are read.
 * Plaintext only, like the rest of the consumer's Kafka configuration.
 * Protocol: https://kafka.apache.org/protocol#The_Messages_Metadata
 */

const METADATA_API_KEY = 3;
const METADATA_VERSION = 10;
const NULL_TOPIC_ID = '00000000-0000-0000-0000-000000000000';

export interface TopicIdResult {
  /** The topic's id; undefined when the broker reports none (all zeros: a broker without topic ids). */
  readonly topicId: string | undefined;
}

export class TopicIdError extends Error {
  constructor(
    message: string,
    readonly kafkaErrorCode?: number,
  ) {
    super(message);
    this.name = 'TopicIdError';
  }
}

// ---- encoding (request header v2: flexible versions) ----

function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function compactString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([uvarint(bytes.length + 1), bytes]);
}

export function encodeMetadataRequest(topic: string, correlationId: number, clientId: string): Buffer {
  const client = Buffer.from(clientId, 'utf8');
  const header = Buffer.alloc(10);
  header.writeInt16BE(METADATA_API_KEY, 0);
  header.writeInt16BE(METADATA_VERSION, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(client.length, 8); // the header's client_id stays a classic nullable string
  const body = Buffer.concat([
    uvarint(0), // header tagged fields
    uvarint(2), // topics: compact array of 1
    Buffer.alloc(16), // topic_id: zero, the topic is named
    compactString(topic),
    uvarint(0), // topic tagged fields
    Buffer.from([0, 0, 0]), // allow_auto_topic_creation, include cluster / topic authorized operations
    uvarint(0), // request tagged fields
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + client.length + body.length, 0);
  return Buffer.concat([size, header, client, body]);
}

// ---- decoding (response header v1) ----

class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}
  int8(): number {
    return this.take(1).readInt8(0);
  }
  int16(): number {
    return this.take(2).readInt16BE(0);
  }
  int32(): number {
    return this.take(4).readInt32BE(0);
  }
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.take(1)[0]!;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) throw new TopicIdError('malformed varint in Metadata response');
    }
  }
  compactString(): string | null {
    const length = this.uvarint();
    return length === 0 ? null : this.take(length - 1).toString('utf8');
  }
  uuid(): string {
    const hex = this.take(16).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  compactArray<T>(item: () => T): T[] {
    const length = this.uvarint();
    return length === 0 ? [] : Array.from({ length: length - 1 }, item);
  }
  taggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.take(this.uvarint());
    }
  }
  private take(length: number): Buffer {
    if (this.offset + length > this.buffer.length) throw new TopicIdError('truncated Metadata response');
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}

/** The topic's id from a Metadata v10 response (without its 4-byte size prefix). */
export function decodeMetadataResponse(
  response: Buffer,
  topic: string,
  correlationId: number,
): TopicIdResult {
  const r = new Reader(response);
  if (r.int32() !== correlationId) throw new TopicIdError('Metadata response for another request');
  r.taggedFields();
  r.int32(); // throttle_time_ms
  r.compactArray(() => {
    r.int32(); // node_id
    r.compactString(); // host
    r.int32(); // port
    r.compactString(); // rack
    r.taggedFields();
  });
  r.compactString(); // cluster_id
  r.int32(); // controller_id
  const topics = r.compactArray(() => {
    const errorCode = r.int16();
    const name = r.compactString();
    const topicId = r.uuid();
    r.int8(); // is_internal
    r.compactArray(() => {
      r.int16(); // error_code
      r.int32(); // partition_index
      r.int32(); // leader_id
      r.int32(); // leader_epoch
      r.compactArray(() => r.int32()); // replica_nodes
      r.compactArray(() => r.int32()); // isr_nodes
      r.compactArray(() => r.int32()); // offline_replicas
      r.taggedFields();
    });
    r.int32(); // topic_authorized_operations
    r.taggedFields();
    return { errorCode, name, topicId };
  });
  const found = topics.find((t) => t.name === topic);
  if (!found) throw new TopicIdError(`topic ${topic} is not in the Metadata response`);
  if (found.errorCode !== 0) {
    // 3: UNKNOWN_TOPIC_OR_PARTITION (deleted, or not created yet)
    throw new TopicIdError(
      found.errorCode === 3
        ? `topic ${topic} does not exist`
        : `Metadata for ${topic} failed with Kafka error ${found.errorCode}`,
      found.errorCode,
    );
  }
  return { topicId: found.topicId === NULL_TOPIC_ID ? undefined : found.topicId };
}

interface Pending {
  readonly resolve: (response: Buffer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** One broker connection: requests are answered in order, matched by correlation id. */
class MetadataConnection {
  private received: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.once('error', (error) => this.fail(error));
    socket.once('close', () => this.fail(new TopicIdError('connection closed before the Metadata response')));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(request: Buffer, correlationId: number, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new TopicIdError('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new TopicIdError(`no Metadata response within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.pending.set(correlationId, { resolve, reject, timer });
      this.socket.write(request);
    });
  }

  close(): void {
    this.fail(new TopicIdError('connection closed'));
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    while (this.received.length >= 4) {
      const size = this.received.readInt32BE(0);
      if (this.received.length < 4 + size) return;
      const response = this.received.subarray(4, 4 + size);
      this.received = this.received.subarray(4 + size);
      const waiting = this.pending.get(response.readInt32BE(0));
      if (waiting === undefined) continue;
      this.pending.delete(response.readInt32BE(0));
      clearTimeout(waiting.timer);
      waiting.resolve(response);
    }
  }

  private fail(error: Error): void {
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
    }
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.pending.clear();
  }
}

export interface TopicIdReader {
  /** The topic's id, from a request sent now. */
  read(): Promise<TopicIdResult>;
  close(): void;
}

let correlation = 1;

/**
 * Reads the topic's id over one kept-open connection to the first bootstrap broker that answers
 * (the next one after a failure). Rejects with a TopicIdError when the topic does not exist, or with
 * the last connection error when no broker answers.
 */
export function createTopicIdReader(
  brokers: readonly string[],
  topic: string,
  options: { clientId: string; timeoutMs: number },
): TopicIdReader {
  let connection: MetadataConnection | undefined;
  let next = 0;
  const open = (broker: string) => {
    const separator = broker.lastIndexOf(':');
    const host = broker.slice(0, separator).replace(/^\[|\]$/g, '');
    return new MetadataConnection(connect({ host, port: Number(broker.slice(separator + 1)) }));
  };
  return {
    async read() {
      let lastError: Error = new TopicIdError('no brokers');
      for (let tried = 0; tried < brokers.length; tried++) {
        if (connection === undefined || !connection.isOpen) {
          connection = open(brokers[next % brokers.length]!);
        }
        const correlationId = (correlation = (correlation % 0x7fffffff) + 1);
        try {
          const response = await connection.send(
            encodeMetadataRequest(topic, correlationId, options.clientId),
            correlationId,
            options.timeoutMs,
          );
          return decodeMetadataResponse(response, topic, correlationId);
        } catch (error) {
          if (error instanceof TopicIdError && error.kafkaErrorCode !== undefined) throw error;
          lastError = error as Error;
          connection.close();
          next += 1;
        }
      }
      throw lastError;
    },
    close() {
      connection?.close();
    },
  };
}

/** One read of the topic's id over a connection of its own. */
export async function fetchTopicId(
  brokers: readonly string[],
  topic: string,
  options: { clientId: string; timeoutMs: number },
): Promise<TopicIdResult> {
  const reader = createTopicIdReader(brokers, topic, options);
  try {
    return await reader.read();
  } finally {
    reader.close();
  }
}

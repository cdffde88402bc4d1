/**
 * A TCP proxy in front of a PostgreSQL server that delays the chunks the server sends back by
 * `delayMs()` each, keeping the stream in order: an injected latency tail (the store benchmark delays a
 * fraction of the chunks) or a slow primary (the store's hedging tests). A chunk due at once while
 * nothing is held or pending is written at once. A caller can also hold every reply until it says
 * (`holdReplies`), and, when it asked for it, see what the clients have sent (`clientSent`).
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DelayProxy {
  readonly port: number;
  /**
   * True once the clients have sent `text` (e.g. a table name of a query) through the proxy; needs
   * `recordClientBytes`.
   */
  clientSent(text: string): boolean;
  /**
   * Holds every reply from now on until the returned function is called; with `afterClientSent`
   * (needs `recordClientBytes`), only the replies of connections whose client has sent that text, so
   * a connection being opened or a health probe's query is not held with them.
   */
  holdReplies(afterClientSent?: string): () => void;
  close(): Promise<void>;
}

/** Delays `fraction` of the chunks by `delayMs`, the others not at all. */
export function randomTail(fraction: number, delayMs: number, random = Math.random): () => number {
  return () => (random() < fraction ? delayMs : 0);
}

export async function startDelayProxy(
  upstream: { readonly host: string; readonly port: number },
  delayMs: () => number,
  { recordClientBytes = false }: { readonly recordClientBytes?: boolean } = {},
): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  let sent = '';
  let held: Promise<void> | undefined;
  let holdAfter: string | undefined;
  const server = net.createServer((client) => {
    const backend = net.connect(upstream.port, upstream.host);
    sockets.add(client).add(backend);
    let last = 0;
    let pending = 0;
    let delivered = Promise.resolve();
    let sentHere = '';
    client.on('data', (chunk: Buffer) => {
      if (recordClientBytes) {
        const text = chunk.toString('latin1');
        sent += text;
        sentHere += text;
      }
      backend.write(chunk);
    });
    backend.on('data', (chunk: Buffer) => {
      // Never deliver before an earlier chunk: keep the stream in order.
      const at = Math.max(Date.now() + delayMs(), last);
      last = at;
      const gate = holdAfter === undefined || sentHere.includes(holdAfter) ? held : undefined;
      if (pending === 0 && gate === undefined && at <= Date.now()) {
        client.write(chunk);
        return;
      }
      pending += 1;
      delivered = delivered.then(async () => {
        await gate;
        const wait = at - Date.now();
        if (wait > 0) await sleep(wait);
        if (client.writable) client.write(chunk);
        pending -= 1;
      });
    });
    const close = () => {
      client.destroy();
      backend.destroy();
    };
    client.on('error', close).on('close', close);
    backend.on('error', close).on('close', () => void delivered.then(close));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    clientSent(text) {
      if (!recordClientBytes)
        throw new Error('clientSent needs startDelayProxy(…, { recordClientBytes: true })');
      return sent.includes(text);
    },
    holdReplies(afterClientSent) {
      if (afterClientSent !== undefined && !recordClientBytes)
        throw new Error('holdReplies(text) needs startDelayProxy(…, { recordClientBytes: true })');
      let release!: () => void;
      held = new Promise<void>((resolve) => (release = resolve));
      holdAfter = afterClientSent;
      return () => {
        held = undefined;
        holdAfter = undefined;
        release();
      };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

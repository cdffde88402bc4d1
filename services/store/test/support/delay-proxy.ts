import net from 'node:net';

/**
 * A TCP proxy that delays every chunk the upstream sends back by `delayMs()` (order kept): a slow
 * primary for the hedging tests, made of a real PostgreSQL behind a slow link. A test can also hold
 * every reply until it says (`holdReplies`), and see what the client has sent (`clientSent`).
 */
export async function startDelayProxy(upstream: { host: string; port: number }, delayMs: () => number) {
  const sockets = new Set<net.Socket>();
  let sent = '';
  let held: Promise<void> | undefined;
  const server = net.createServer((client) => {
    const server = net.connect(upstream.port, upstream.host);
    sockets.add(client).add(server);
    let last = 0;
    let delivered = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      sent += chunk.toString('latin1');
      server.write(chunk);
    });
    server.on('data', (chunk) => {
      // Never deliver before an earlier chunk: keep the stream in order.
      const at = Math.max(Date.now() + delayMs(), last);
      last = at;
      const gate = held;
      delivered = delivered.then(async () => {
        await gate;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
        if (client.writable) client.write(chunk);
      });
    });
    const close = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', () => void delivered.then(close));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    /** True once the clients have sent `text` (e.g. a table name of a query) through the proxy. */
    clientSent: (text: string) => sent.includes(text),
    /** Holds every reply from now on until the returned function is called. */
    holdReplies(): () => void {
      let release!: () => void;
      held = new Promise<void>((resolve) => (release = resolve));
      return () => {
        held = undefined;
        release();
      };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

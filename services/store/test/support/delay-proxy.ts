import net from 'node:net';

/**
 * A TCP proxy that delays every chunk the upstream sends back by `delayMs()` (order kept): a slow
 * primary for the hedging tests, made of a real PostgreSQL behind a slow link.
 */
export async function startDelayProxy(upstream: { host: string; port: number }, delayMs: () => number) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const server = net.connect(upstream.port, upstream.host);
    sockets.add(client).add(server);
    let last = 0;
    client.on('data', (chunk) => server.write(chunk));
    server.on('data', (chunk) => {
      // Never deliver before an earlier chunk: keep the stream in order.
      const at = Math.max(Date.now() + delayMs(), last);
      last = at;
      setTimeout(() => client.writable && client.write(chunk), at - Date.now());
    });
    const close = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', () => setTimeout(close, Math.max(0, last - Date.now())));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

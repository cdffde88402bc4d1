// A TCP proxy in front of a shard primary that delays a fraction of the chunks the server sends
// back: an injected latency tail, so the hedging effect can be measured apart from CPU contention.
import net from 'node:net';

export async function startDelayProxy(upstream, { fraction, delayMs }) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const backend = net.connect(upstream.port, upstream.host);
    sockets.add(client).add(backend);
    let last = 0;
    client.on('data', (chunk) => backend.write(chunk));
    backend.on('data', (chunk) => {
      const delay = Math.random() < fraction ? delayMs : 0;
      const at = Math.max(Date.now() + delay, last); // keep the stream in order
      last = at;
      if (at <= Date.now()) client.write(chunk);
      else setTimeout(() => client.writable && client.write(chunk), at - Date.now());
    });
    const close = () => {
      client.destroy();
      backend.destroy();
    };
    client.on('error', close).on('close', close);
    backend.on('error', close).on('close', () => setTimeout(close, Math.max(0, last - Date.now())));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

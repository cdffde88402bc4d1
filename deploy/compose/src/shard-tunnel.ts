/**
 * The shards are reachable from the compose network only (compose publishes no database port). The
 * post-run check reads them, so for the length of a test a small forwarder container joins the project's
 * network and publishes one 127.0.0.1 port per shard: the host still talks to containers only through
 * published loopback ports. It runs the Node image the services are built on, and is removed by `close`.
 */
import { docker } from './docker.js';

/** A TCP forwarder: listens on 15432 + i and pipes to the i-th host:port argument. */
const FORWARDER = `
const net = require('node:net');
process.argv.slice(1).forEach((target, i) => {
  const [host, port] = target.split(':');
  net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  }).listen(15432 + i);
});
process.on('SIGTERM', () => process.exit(0));
`;

export interface ShardTunnel {
  /** postgres:// URLs through the tunnel, in shard order. */
  readonly urls: string[];
  close(): Promise<void>;
}

export async function openShardTunnel(options: {
  projectName: string;
  nodeImage: string;
  shardHosts: readonly string[];
  user: string;
  password: string;
  database: string;
}): Promise<ShardTunnel> {
  const name = `${options.projectName}-shard-tunnel`;
  await docker(['rm', '--force', name]).catch(() => undefined);
  await docker([
    'run',
    '--detach',
    '--rm',
    '--name',
    name,
    '--label',
    `dev.tillstream.shard-tunnel=${options.projectName}`,
    '--network',
    `${options.projectName}_default`,
    ...options.shardHosts.flatMap((_, i) => ['--publish', `127.0.0.1::${15432 + i}`]),
    '--entrypoint',
    'node',
    options.nodeImage,
    '-e',
    FORWARDER,
    ...options.shardHosts.map((host) => `${host}:5432`),
  ]);
  const urls: string[] = [];
  for (const [i] of options.shardHosts.entries()) {
    const published = (await docker(['port', name, `${15432 + i}/tcp`])).split('\n')[0]!.trim();
    const port = published.slice(published.lastIndexOf(':') + 1);
    const url = new URL(`postgres://127.0.0.1:${port}/`);
    url.username = options.user;
    url.password = options.password;
    url.pathname = `/${options.database}`;
    urls.push(url.toString());
  }
  return {
    urls,
    async close() {
      await docker(['rm', '--force', name]).catch(() => undefined);
    },
  };
}

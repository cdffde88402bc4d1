/**
 * Streaming read replicas of the stack's shard servers for the store benchmark: pg_basebackup of the
 * running primary (-R writes primary_conninfo, so the copy streams WAL from it), then a hot standby on
 * its own port, with the stack's PostgreSQL binaries and server user. The primaries are only read
 * from; a replica's data directory is removed when it stops.
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { findPostgresBin, loadStackSettings, serverUser } from '@tillstream/stack';

export interface Replica {
  readonly port: number;
  /** The replica's URL for `database` (the primary's credentials). */
  url(database: string): string;
  stop(): Promise<void>;
}

/** `serverUrl` with another port and/or database. */
export function withServer(serverUrl: string, change: { port?: number; database?: string }): string {
  const url = new URL(serverUrl);
  if (change.port !== undefined) url.port = String(change.port);
  if (change.database !== undefined) url.pathname = `/${change.database}`;
  return url.toString();
}

/** Runs `query` on a fresh connection to `url`. */
export async function queryOnce<Row extends pg.QueryResultRow>(
  url: string,
  query: string,
  values?: unknown[],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<Row>(query, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts a hot-standby replica of the server behind `primaryUrl` on `port`; resolves once it accepts reads. */
export async function startReplica(
  primaryUrl: string,
  port: number,
  log: (line: string) => void,
): Promise<Replica> {
  const primary = new URL(primaryUrl);
  const bin = findPostgresBin(loadStackSettings());
  const user = serverUser() ?? {};
  const dataDir = path.join(os.tmpdir(), `tillstream-bench-replica-${primary.port}-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  log(`pg_basebackup of :${primary.port} into ${dataDir}`);
  execFileSync(
    path.join(bin, 'pg_basebackup'),
    [
      ...['-h', primary.hostname, '-p', primary.port, '-U', decodeURIComponent(primary.username)],
      ...['-D', dataDir, '-R', '-X', 'stream', '-c', 'fast'],
    ],
    {
      ...user,
      cwd: os.tmpdir(),
      env: { ...process.env, PGPASSWORD: decodeURIComponent(primary.password) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const settings = [
    `port=${port}`,
    'listen_addresses=127.0.0.1',
    'unix_socket_directories=',
    // A hot standby needs at least the primary's max_connections (the stack runs with 200).
    'max_connections=200',
    'shared_buffers=128MB',
    'hot_standby=on',
    'log_min_messages=warning',
  ];
  const child = spawn(path.join(bin, 'postgres'), ['-D', dataDir, ...settings.flatMap((s) => ['-c', s])], {
    ...user,
    cwd: os.tmpdir(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = (database: string) => withServer(primaryUrl, { port, database });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const [row] = await queryOnce<{ standby: boolean }>(
        url(primary.pathname.slice(1) || 'postgres'),
        'SELECT pg_is_in_recovery() AS standby',
      );
      if (!row?.standby) throw new Error('not a standby');
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
        throw new Error(`replica on :${port} did not start: ${(error as Error).message}\n${stderr}`);
      }
      await sleep(300);
    }
  }
  log(`replica of :${primary.port} streaming on :${port}`);
  return {
    port,
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT'); // fast shutdown
        await Promise.race([exited, sleep(10_000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until replica i shows `expectedRows[i]` rows in store_item_totals of `database` (replay caught up). */
export async function waitForReplay(
  replicas: readonly Replica[],
  database: string,
  expectedRows: readonly number[],
): Promise<void> {
  for (const [i, replica] of replicas.entries()) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const [row] = await queryOnce<{ n: number }>(
          replica.url(database),
          'SELECT count(*)::int AS n FROM store_item_totals',
        );
        if (row?.n === expectedRows[i]) break;
      } catch {
        // database not replayed yet
      }
      if (Date.now() > deadline) throw new Error(`replica :${replica.port} did not catch up`);
      await sleep(300);
    }
  }
}

// Streaming read replicas of the stack's shard servers for the benchmark: pg_basebackup of the
// running primary (-R writes primary_conninfo, so the copy streams WAL from it), then a hot standby
// on its own port. The shared primaries are only read from; the replicas are removed afterwards.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export function pgBinDir() {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions)
    if (existsSync(path.join(root, v, 'bin', 'postgres'))) return path.join(root, v, 'bin');
  return path.dirname(execFileSync('which', ['postgres'], { encoding: 'utf8' }).trim());
}

/** PostgreSQL refuses to run as root: run it as `postgres` (or `nobody`) then. */
function serverUser() {
  if (process.getuid?.() !== 0) return {};
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // next
    }
  }
  throw new Error('running as root without a postgres or nobody user');
}

/**
 * Starts a hot-standby replica of the server behind `primaryUrl` on `port`. Resolves with
 * {url(database), stop()} once it accepts read-only connections.
 */
export async function startReplica(primaryUrl, port, log) {
  const primary = new URL(primaryUrl);
  const bin = pgBinDir();
  const user = serverUser();
  const dataDir = path.join(os.tmpdir(), `tillstream-bench-replica-${primary.port}-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  log(`pg_basebackup of :${primary.port} into ${dataDir}`);
  execFileSync(
    path.join(bin, 'pg_basebackup'),
    [
      '-h',
      primary.hostname,
      '-p',
      primary.port,
      '-U',
      decodeURIComponent(primary.username),
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ],
    {
      ...user,
      cwd: os.tmpdir(),
      env: { ...process.env, PGPASSWORD: decodeURIComponent(primary.password) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const child = spawn(
    path.join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-c',
      `port=${port}`,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      // A hot standby needs at least the primary's max_connections (the stack runs with 200).
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=128MB',
      '-c',
      'hot_standby=on',
      '-c',
      'log_min_messages=warning',
    ],
    { ...user, cwd: os.tmpdir(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = (database) => {
    const u = new URL(primaryUrl);
    u.port = String(port);
    u.pathname = `/${database}`;
    return u.toString();
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({
      connectionString: url(primary.pathname.slice(1) || 'postgres'),
      connectionTimeoutMillis: 1000,
    });
    try {
      await client.connect();
      const { rows } = await client.query('SELECT pg_is_in_recovery() AS standby');
      if (!rows[0].standby) throw new Error('not a standby');
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
        throw new Error(`replica on :${port} did not start: ${error.message}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  log(`replica of :${primary.port} streaming on :${port}`);
  return {
    port,
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT'); // fast shutdown
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until every replica shows `rows` rows in store_item_totals of `database` (replay caught up). */
export async function waitForReplay(replicas, database, expectedRows) {
  for (const replica of replicas) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const client = new pg.Client({ connectionString: replica.url(database) });
      try {
        await client.connect();
        const { rows } = await client.query('SELECT count(*)::int AS n FROM store_item_totals');
        if (rows[0].n === expectedRows[replicas.indexOf(replica)]) break;
      } catch {
        // database not replayed yet
      } finally {
        await client.end().catch(() => undefined);
      }
      if (Date.now() > deadline) throw new Error(`replica :${replica.port} did not catch up`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { StackSettings } from './settings.js';

export interface ShardPlan {
  readonly index: number;
  readonly port: number;
  readonly dir: string;
  readonly dataDir: string;
  readonly url: string;
}

export function shardUrl(settings: StackSettings, port: number, database = settings.shards.database): string {
  const { user, password } = settings.shards;
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

export function planShards(settings: StackSettings): ShardPlan[] {
  return Array.from({ length: settings.shards.count }, (_, index) => {
    const dir = path.join(settings.stackDir, 'shards', `shard-${index}`);
    const port = settings.shards.basePort + index;
    return { index, port, dir, dataDir: path.join(dir, 'data'), url: shardUrl(settings, port) };
  });
}

/**
 * PostgreSQL refuses to run as root. When the stack runs as root (CI, containers), the servers run as
 * the `postgres` system user if it exists, else as `nobody`.
 */
export function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // try the next one
    }
  }
  throw new Error('running as root but neither a `postgres` nor a `nobody` user exists to run PostgreSQL');
}

/** initdb once: scram-sha-256 password auth, UTF-8, C collation (stable ordering across machines). */
export function initShard(shard: ShardPlan, settings: StackSettings, binDir: string): void {
  if (existsSync(path.join(shard.dataDir, 'PG_VERSION'))) return;
  const user = serverUser();
  rmSync(shard.dataDir, { recursive: true, force: true });
  // Only the data dir is private: the server's user must be able to traverse its parents, up to `/`
  // (a checkout in root's home, or in a private temporary directory, lies below a folder only root
  // may enter). Each folder that lacks it gets search permission (x, not read) for others, said once.
  mkdirSync(shard.dir, { recursive: true, mode: 0o755 });
  if (user) {
    for (let dir = path.dirname(shard.dir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) !== 0) continue;
      chmodSync(dir, (mode & 0o777) | 0o011);
      if (!dir.startsWith(path.dirname(settings.stackDir)))
        console.error(
          `[stack] ${dir}: search permission for others, so PostgreSQL's user can reach its data`,
        );
    }
  }
  mkdirSync(shard.dataDir, { mode: 0o700 });
  const pwfile = path.join(shard.dir, '.pwfile');
  writeFileSync(pwfile, `${settings.shards.password}\n`, { mode: 0o600 });
  if (user) {
    chownSync(shard.dir, user.uid, user.gid);
    chownSync(shard.dataDir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  try {
    execFileSync(
      path.join(binDir, 'initdb'),
      [
        '-D',
        shard.dataDir,
        '-U',
        settings.shards.user,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: os.tmpdir(), ...(user ?? {}) },
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/**
 * The postgres server in the foreground, so the supervisor sees it die. fsync stays on. `options`
 * (SHARD_PG_OPTIONS) come last, so they override these.
 */
export function postgresCommand(
  shard: ShardPlan,
  binDir: string,
  options: readonly string[] = [],
): { command: string; args: string[] } {
  const settings = [
    `port=${shard.port}`,
    'listen_addresses=127.0.0.1',
    'unix_socket_directories=',
    'fsync=on',
    'synchronous_commit=on',
    'max_connections=200',
    'shared_buffers=128MB',
    'work_mem=8MB',
    'wal_compression=on',
    'checkpoint_timeout=5min',
    'max_wal_size=1GB',
    'log_min_messages=warning',
    'log_line_prefix=%m [%p] ',
    ...options,
  ];
  return {
    command: path.join(binDir, 'postgres'),
    args: ['-D', shard.dataDir, ...settings.flatMap((s) => ['-c', s])],
  };
}

export async function waitForPostgres(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`PostgreSQL at ${new URL(url).host} did not become ready in ${timeoutMs} ms: ${lastError}`);
}

/** Creates `database` on the server of `serverUrl` unless it exists. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

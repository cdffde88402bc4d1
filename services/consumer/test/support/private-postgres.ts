// A PostgreSQL server of the test's own (initdb'd through the stack's helpers, on a free port), so a
// test can stop it, back it up with pg_basebackup and restore it without touching the shared shards.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  findPostgresBin,
  initShard,
  loadStackSettings,
  postgresCommand,
  serverUser,
  shardUrl,
  waitForPostgres,
  type ShardPlan,
} from '@tillstream/stack';
import { freePort } from '@tillstream/stack/harness';

export interface PrivatePostgres {
  /** The server's URL with database `postgres`. */
  readonly serverUrl: string;
  start(): Promise<void>;
  /** Fast shutdown (SIGINT), waits for the process to exit. */
  stop(): Promise<void>;
  /** pg_basebackup of the running server (WAL streamed, so the copy is consistent); returns its dir. */
  basebackup(): string;
  /** Replaces the (stopped) server's data directory with a backup's copy. */
  restore(backupDir: string): void;
  remove(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const base = loadStackSettings();
  const root = mkdtempSync(path.join(os.tmpdir(), 'tillstream-pg-'));
  const settings = { ...base, stackDir: root };
  const binDir = findPostgresBin(settings);
  const port = await freePort();
  const dir = path.join(root, 'shard');
  const plan: ShardPlan = {
    index: 0,
    port,
    dir,
    dataDir: path.join(dir, 'data'),
    url: shardUrl(settings, port),
  };
  initShard(plan, settings, binDir);
  const user = serverUser();
  const serverUrl = shardUrl(settings, port, 'postgres');
  let child: ChildProcess | undefined;
  let backups = 0;

  const pg = {
    serverUrl,
    async start() {
      const { command, args } = postgresCommand(plan, binDir);
      child = spawn(command, args, {
        stdio: ['ignore', 'ignore', 'inherit'],
        cwd: os.tmpdir(),
        ...(user ?? {}),
      });
      await waitForPostgres(serverUrl, 30_000);
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGINT');
      await exited;
    },
    basebackup() {
      const target = path.join(root, `backup-${++backups}`);
      mkdirSync(target, { mode: 0o700 });
      if (user) chownSync(target, user.uid, user.gid);
      execFileSync(
        path.join(binDir, 'pg_basebackup'),
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          settings.shards.user,
          '-D',
          target,
          '-X',
          'stream',
          '-c',
          'fast',
        ],
        {
          env: { ...process.env, PGPASSWORD: settings.shards.password },
          stdio: ['ignore', 'pipe', 'pipe'],
          cwd: os.tmpdir(),
          ...(user ?? {}),
        },
      );
      return target;
    },
    restore(backupDir: string) {
      rmSync(plan.dataDir, { recursive: true, force: true });
      cpSync(backupDir, plan.dataDir, { recursive: true, preserveTimestamps: true });
      chmodSync(plan.dataDir, 0o700);
      if (user) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, plan.dataDir]);
    },
    async remove() {
      await pg.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}

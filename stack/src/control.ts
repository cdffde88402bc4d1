import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchKafkaJars } from './kafka.js';
import { checkJava, checkMavenOrKafkaHome, findPostgresBin } from './prerequisites.js';
import type { StackSettings } from './settings.js';
import { isAlive, readState, type StackState } from './state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every pid the state file names, supervisor last. */
export function statePids(state: StackState): number[] {
  const pids = [
    ...Object.values(state.services).flatMap((s) => s.pids),
    ...(state.prometheus?.pid ? [state.prometheus.pid] : []),
    ...(state.rabbitmq?.pid ? [state.rabbitmq.pid] : []),
    ...state.kafka.nodes.map((n) => n.pid),
    ...state.shards.map((s) => s.pid),
  ];
  return pids.filter((p): p is number => typeof p === 'number' && p > 0);
}

export async function runningState(settings: StackSettings): Promise<StackState | undefined> {
  const state = await readState(settings.stackDir);
  return state && isAlive(state.supervisor.pid) ? state : undefined;
}

/**
 * Starts the supervisor (unless one runs) and waits until it reports `ready`. Idempotent: a second
 * call finds the running stack and returns it.
 */
export async function up(
  settings: StackSettings,
  log: (line: string) => void,
  timeoutMs = 180_000,
): Promise<StackState> {
  const running = await runningState(settings);
  if (running?.status === 'ready') return running;
  if (!running) {
    checkJava();
    checkMavenOrKafkaHome(settings);
    findPostgresBin(settings);
    if (!settings.kafka.home) fetchKafkaJars(settings, log);
    const logDir = path.join(settings.stackDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    // From source (tests run through tsx) the supervisor is a .ts file; built, it is .js.
    const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const entry = fileURLToPath(new URL(`./supervisor.${extension}`, import.meta.url));
    const fd = openSync(path.join(logDir, 'supervisor.out'), 'a');
    const child = spawn(process.execPath, [...process.execArgv, entry], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: process.env,
    });
    closeSync(fd);
    child.unref();
    log(`supervisor started (pid ${child.pid}); logs in ${logDir}`);
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await readState(settings.stackDir);
    if (state?.status === 'failed') {
      throw new Error(
        `stack failed to start: ${state.message}\n(see ${settings.stackDir}/logs/; \`make down\` stops what did start)`,
      );
    }
    if (state && isAlive(state.supervisor.pid) && state.status === 'ready') return state;
    await sleep(300);
  }
  throw new Error(`stack not ready after ${timeoutMs} ms (see ${settings.stackDir}/logs/supervisor.log)`);
}

/** Linux: the process's command line, to check a pid is still ours before killing it. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Stops the supervisor (which stops its children), then kills anything the state file still names. */
export async function down(settings: StackSettings, log: (line: string) => void): Promise<void> {
  const state = await readState(settings.stackDir);
  if (!state) {
    log('nothing running');
    return;
  }
  if (isAlive(state.supervisor.pid)) {
    process.kill(state.supervisor.pid, 'SIGTERM');
    const deadline = Date.now() + 90_000;
    while (isAlive(state.supervisor.pid) && Date.now() < deadline) await sleep(200);
  }
  const leftovers = statePids((await readState(settings.stackDir)) ?? state).filter(isAlive);
  for (const pid of leftovers) {
    const cmd = commandLine(pid);
    if (cmd !== undefined && !/java|postgres|node|prometheus|beam|epmd/.test(cmd)) continue; // pid reused by someone else
    log(`killing leftover pid ${pid}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (isAlive(state.supervisor.pid)) process.kill(state.supervisor.pid, 'SIGKILL');
  rmSync(path.join(settings.stackDir, 'state.json'), { force: true });
  log('stack stopped');
}

export async function clean(settings: StackSettings, log: (line: string) => void): Promise<void> {
  await down(settings, log);
  rmSync(settings.stackDir, { recursive: true, force: true });
  log(`removed ${settings.stackDir}`);
}

export function describe(state: StackState | undefined): string {
  if (!state) return 'stack: not running';
  const mark = (pid: number | null | undefined) => (isAlive(pid) ? `pid ${pid}` : 'DOWN');
  const lines = [
    `stack: ${state.status}${state.message ? ` (${state.message})` : ''} — supervisor ${mark(state.supervisor.pid)}`,
    ...(state.mode && state.mode !== 'kafka-sharded' ? [`mode: ${state.mode}`] : []),
    ...(state.rabbitmq ? [`rabbitmq: ${state.rabbitmq.url} ${mark(state.rabbitmq.pid)}`] : []),
    `kafka: ${state.kafka.bootstrap} topic ${state.kafka.topic} (${state.kafka.partitions} partitions, RF ${state.kafka.replicationFactor})`,
    ...state.kafka.nodes.map((n) => `  node ${n.id} :${n.port} ${mark(n.pid)} restarts ${n.restarts}`),
    'shards:',
    ...state.shards.map((s) => `  shard ${s.index} :${s.port} ${mark(s.pid)} restarts ${s.restarts}`),
    'services:',
    ...Object.entries(state.services).map(
      ([name, s]) =>
        `  ${name.padEnd(9)} ${s.url} ${s.pids.map(mark).join(',') || 'DOWN'} restarts ${s.restarts}`,
    ),
    ...(state.prometheus ? [`prometheus: ${state.prometheus.url} ${mark(state.prometheus.pid)}`] : []),
  ];
  return lines.join('\n');
}

/**
 * A private stack for one scenario: the native stack (3 Kafka nodes, 4 shards, the services) in its
 * own STACK_DIR on its own ports, so the shared stack on the default ports is never disturbed. Started
 * through the stack CLI with its environment, and always stopped (and its directory removed) by `down`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, readState, type StackState } from '@tillstream/stack';

const run = promisify(execFile);

export interface ChaosStackOptions {
  readonly name: string;
  /** Every port of the stack is derived from this one (see `stackPorts`). */
  readonly portBase: number;
  readonly kafkaNetwork: 'netns' | 'loopback';
  /** STACK_FAKETIME_SERVICES, e.g. `purchase:-1h,consumer:+1h`. */
  readonly faketime?: string;
  readonly shards: number;
  readonly purchaseWorkers: number;
  readonly storeWorkers: number;
  readonly partitions: number;
}

export function stackPorts(base: number) {
  return {
    kafka: base,
    kafkaController: base + 10,
    shardBase: base + 20,
    purchase: base + 30,
    store: base + 31,
    consumer: base + 32,
  };
}

/** Every TCP port the stack will listen on (on 127.0.0.1; netns Kafka nodes listen on their own addresses). */
export function listeningPorts(options: ChaosStackOptions): number[] {
  const p = stackPorts(options.portBase);
  const shards = Array.from({ length: options.shards }, (_, i) => p.shardBase + i);
  const kafka =
    options.kafkaNetwork === 'loopback' ? [0, 1, 2].flatMap((i) => [p.kafka + i, p.kafkaController + i]) : [];
  return [...kafka, ...shards, p.purchase, p.store, p.consumer];
}

/** The stack's environment for a scenario (pure). */
export function stackEnvironment(options: ChaosStackOptions, stackDir: string): Record<string, string> {
  const p = stackPorts(options.portBase);
  return {
    STACK_DIR: stackDir,
    KAFKA_NODES: '3',
    KAFKA_NETWORK: options.kafkaNetwork,
    KAFKA_PORT: String(p.kafka),
    KAFKA_CONTROLLER_PORT: String(p.kafkaController),
    KAFKA_PARTITIONS: String(options.partitions),
    KAFKA_HEAP_MB: '256',
    SHARD_COUNT: String(options.shards),
    SHARD_BASE_PORT: String(p.shardBase),
    PURCHASE_PORT: String(p.purchase),
    STORE_PORT: String(p.store),
    CONSUMER_PORT: String(p.consumer),
    PURCHASE_WORKERS: String(options.purchaseWorkers),
    STORE_WORKERS: String(options.storeWorkers),
    STACK_SERVICES: 'true',
    PROMETHEUS: 'off',
    STACK_FAKETIME_SERVICES: options.faketime ?? '',
  };
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Whether the namespace network is free: the stack's namespaces and bridge have fixed names, so a
 * second netns stack (another scenario, or the stack CLI's own test) must not run beside this one.
 */
export function netnsInUse(): string | undefined {
  try {
    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    if (/ts-kafka-/.test(namespaces))
      return `network namespaces already exist: ${namespaces.trim().replace(/\n/g, ', ')}`;
    execFileSync('ip', ['link', 'show', 'tsbr0'], { stdio: 'ignore' });
    return 'the bridge tsbr0 already exists';
  } catch {
    return undefined;
  }
}

export class ChaosStack {
  readonly dir: string;
  readonly env: Record<string, string>;

  private constructor(
    readonly options: ChaosStackOptions,
    dir: string,
  ) {
    this.dir = dir;
    this.env = stackEnvironment(options, dir);
  }

  /** Starts the stack and waits until it is ready; on failure stops what started and throws. */
  static async start(options: ChaosStackOptions, log: (line: string) => void): Promise<ChaosStack> {
    const busy: number[] = [];
    for (const port of listeningPorts(options)) if (!(await portFree(port))) busy.push(port);
    if (busy.length > 0) throw new Error(`ports in use: ${busy.join(', ')} (set CHAOS_PORT_BASE)`);
    const dir = mkdtempSync(path.join(os.tmpdir(), `tillstream-chaos-${options.name}-`));
    const stack = new ChaosStack(options, dir);
    log(
      `starting a private stack in ${dir} (ports from ${options.portBase}, Kafka network ${options.kafkaNetwork})`,
    );
    try {
      await stack.cli('up', 300_000);
    } catch (error) {
      await stack.down(log);
      throw error;
    }
    return stack;
  }

  async state(): Promise<StackState> {
    const state = await readState(this.dir);
    if (!state) throw new Error(`no state.json in ${this.dir}`);
    return state;
  }

  /** While `<dir>/hold/<process>` exists the supervisor does not restart that process. */
  hold(processName: string): void {
    mkdirSync(path.join(this.dir, 'hold'), { recursive: true });
    writeFileSync(path.join(this.dir, 'hold', processName), '');
  }

  release(processName: string): void {
    rmSync(path.join(this.dir, 'hold', processName), { force: true });
  }

  /** Stops everything the stack started and removes its directory; never throws. */
  async down(log: (line: string) => void): Promise<void> {
    try {
      await this.cli('down', 180_000);
    } catch (error) {
      log(`stack down failed: ${(error as Error).message} (directory kept: ${this.dir})`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async cli(command: 'up' | 'down', timeoutMs: number): Promise<void> {
    // From source (tests run through tsx) the stack CLI is stack/src/cli.ts; built, stack/dist/cli.js.
    const fromSource = import.meta.url.endsWith('.ts');
    const args = fromSource
      ? [
          '--conditions=tillstream-source',
          '--import',
          'tsx',
          path.join(REPO_ROOT, 'stack/src/cli.ts'),
          command,
        ]
      : [path.join(REPO_ROOT, 'stack/dist/cli.js'), command];
    await run(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env },
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
  }
}

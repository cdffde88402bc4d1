/**
 * A throwaway RabbitMQ for `.int` tests of the rabbitmq baseline: Debian's rabbitmq-server
 * and its own epmd on free ports, data in a temporary directory, stopped and removed by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { rabbitmqProcesses, rabbitmqUrl, waitForRabbitmq } from './modes.js';
import { requireTool } from './prerequisites.js';

export interface TestRabbitmq {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startTestRabbitmq(timeoutMs = 90_000): Promise<TestRabbitmq> {
  requireTool('rabbitmq');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-rabbitmq-'));
  const settings = { port: await freePort(), distPort: await freePort(), epmdPort: await freePort(), dir };
  const children: ChildProcess[] = [];
  let output = '';
  for (const spec of rabbitmqProcesses(settings)) {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    children.push(child);
  }
  const stop = async () => {
    // The broker first (it deregisters from epmd), then epmd.
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForRabbitmq(settings.port, timeoutMs);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output.slice(-2_000)}`);
  }
  return { url: rabbitmqUrl(settings), port: settings.port, stop };
}

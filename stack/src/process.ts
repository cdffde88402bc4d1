import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export interface ProcessSpec {
  /** Unique name, also the log file's name. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly user?: { uid: number; gid: number };
  /** Signal for a graceful stop (postgres: SIGINT = fast shutdown). */
  readonly stopSignal?: NodeJS.Signals;
  /** Where every start of the process is placed at once (its CPU weight, src/cpu-group.ts). */
  readonly cpuGroup?: { addProcess(pid: number): void };
}

/**
 * One supervised child: restarted when it dies (after a delay that grows while it keeps crashing at
 * start), stopped gracefully then forcefully. Every start, exit and restart is logged.
 */
export class Supervised {
  child: ChildProcess | undefined;
  restarts = 0;
  private stopping = false;
  private startedAt = 0;
  private delayMs = 1000;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: ProcessSpec,
    private readonly logDir: string,
    private readonly log: (line: string) => void,
    private readonly onChange: () => void,
  ) {}

  get pid(): number | null {
    return this.child?.pid && this.child.exitCode === null && this.child.signalCode === null
      ? this.child.pid
      : null;
  }

  start(): void {
    const logFile = path.join(this.logDir, `${this.spec.name}.log`);
    const fd = openSync(logFile, 'a');
    appendFileSync(logFile, `\n--- ${new Date().toISOString()} supervisor: starting ${this.spec.name} ---\n`);
    const child = spawn(this.spec.command, [...this.spec.args], {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', fd, fd],
      ...(this.spec.user ?? {}),
    });
    closeSync(fd);
    // At once, well before the process starts its own children (cluster workers, PostgreSQL
    // backends), so they are born in the group.
    if (child.pid !== undefined && this.spec.cpuGroup) {
      try {
        this.spec.cpuGroup.addProcess(child.pid);
      } catch (error) {
        this.log(`${this.spec.name}: could not join its CPU group: ${(error as Error).message}`);
      }
    }
    this.child = child;
    this.startedAt = Date.now();
    child.once('error', (error) => this.log(`${this.spec.name}: failed to start: ${error.message}`));
    child.once('exit', (code, signal) => {
      this.onChange();
      if (this.stopping) return;
      const upMs = Date.now() - this.startedAt;
      this.delayMs = upMs > 10_000 ? 1000 : Math.min(this.delayMs * 2, 10_000);
      this.restarts += 1;
      this.log(
        `${this.spec.name} (pid ${child.pid}) exited (code ${code}, signal ${signal}); restarting in ${this.delayMs} ms`,
      );
      this.restartTimer = setTimeout(() => this.restartUnlessHeld(), this.delayMs);
    });
    this.onChange();
  }

  /**
   * `<STACK_DIR>/hold/<name>` holds a process down: while the file exists it is not restarted (the
   * fault-tolerance scenarios use it for an outage of a chosen length; see docs/fault-tolerance.md).
   */
  private restartUnlessHeld(): void {
    if (this.stopping) return;
    if (existsSync(path.join(this.logDir, '..', 'hold', this.spec.name))) {
      this.restartTimer = setTimeout(() => this.restartUnlessHeld(), 250);
      return;
    }
    this.start();
    this.log(`${this.spec.name} restarted as pid ${this.child?.pid}`);
  }

  /** Graceful stop, then SIGKILL after `graceMs`. Resolves when the process is gone. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(this.spec.stopSignal ?? 'SIGTERM');
    const timer = setTimeout(() => {
      this.log(`${this.spec.name} did not stop in ${graceMs} ms; killing it`);
      child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * What a benchmark record says about where it came from: the command that reproduces it, the commit,
 * whether the code under test had uncommitted changes, and the load of the machine.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../paths.js';

/** `node <script relative to the repository> <args>`, each argument quoted when the shell would need it. */
export function benchCommand(scriptUrl: string, args: readonly string[], repoRoot = REPO_ROOT): string {
  const quote = (arg: string) => (/^[\w./:=,-]*$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
  const script = path.relative(repoRoot, fileURLToPath(scriptUrl)).split(path.sep).join('/');
  return ['node', script, ...args.map(quote)].join(' ');
}

/** HEAD, and whether `paths` (the code under test) differ from it; `unknown` outside a git checkout. */
export function commitOf(paths: readonly string[]): { readonly commit: string; readonly dirty: boolean } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  try {
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--', ...paths) !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

/** The 1, 5 and 15 minute load averages, two decimals. */
export function loadAverage(): number[] {
  return os.loadavg().map((value) => Math.round(value * 100) / 100);
}

/** `[bench] <line>` on stderr. */
export function progress(line: string): void {
  console.error(`[bench] ${line}`);
}

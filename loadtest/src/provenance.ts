/**
 * What produced a recorded result: the commit checked out when the run started, whether the tree
 * had uncommitted changes (and then the hash of that diff), and a command that reproduces the run.
 * A run meant for the repository's results/ is refused from a tree with uncommitted changes, unless
 * ALLOW_DIRTY=1, which records the diff's SHA-256 beside the commit instead.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';

export interface Provenance {
  /** HEAD when the run started. */
  readonly commit: string;
  /** Tracked files differed from that commit when the run started. */
  readonly commitDirty: boolean;
  /** SHA-256 of `git diff HEAD --binary` when commitDirty (ALLOW_DIRTY=1). */
  readonly diffSha256?: string;
}

export class DirtyTreeError extends Error {
  override readonly name = 'DirtyTreeError';
}

const git = (repoRoot: string, args: string[]) =>
  execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });

/** The tree's state now; `unknown` outside a git checkout (e.g. a source archive). */
export function treeState(repoRoot: string): Provenance & { readonly changed: readonly string[] } {
  try {
    const commit = git(repoRoot, ['rev-parse', 'HEAD']).trim();
    const changed = git(repoRoot, ['status', '--porcelain', '--untracked-files=no'])
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    if (changed.length === 0) return { commit, commitDirty: false, changed };
    const diffSha256 = createHash('sha256')
      .update(git(repoRoot, ['diff', 'HEAD', '--binary']))
      .digest('hex');
    return { commit, commitDirty: true, diffSha256, changed };
  } catch {
    return { commit: 'unknown', commitDirty: false, changed: [] };
  }
}

/** True when `dir` is the repository's results/ directory or inside it. */
export function isRepositoryResults(repoRoot: string, dir: string): boolean {
  const relative = path.relative(path.join(repoRoot, 'results'), path.resolve(repoRoot, dir));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The provenance to record for a run about to start, writing into `resultsDir`. Throws
 * DirtyTreeError for the repository's results/ from a tree with uncommitted changes unless
 * `allowDirty`; a dirty tree's record always carries the diff's hash.
 */
export function startProvenance(repoRoot: string, resultsDir: string, allowDirty: boolean): Provenance {
  const { changed, ...state } = treeState(repoRoot);
  if (state.commitDirty && !allowDirty && isRepositoryResults(repoRoot, resultsDir)) {
    throw new DirtyTreeError(
      `refusing to record under results/ from a tree with uncommitted changes (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}): ` +
        "commit them, set RESULTS_DIR outside results/, or set ALLOW_DIRTY=1 to record the diff's hash with the commit",
    );
  }
  return state;
}

/**
 * A shell command that reproduces a run: the variables that differ from the target's defaults, in a
 * stable order, then the make target. Values are quoted when the shell would need it.
 */
export function reproduceCommand(
  target: string,
  settings: Readonly<Record<string, string | number | boolean | undefined>>,
): string {
  const quote = (value: string) =>
    /^[\w.,:/+=@%-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
  const assignments = Object.entries(settings)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([name, value]) => `${name}=${quote(String(value))}`);
  return [...assignments, target].join(' ');
}

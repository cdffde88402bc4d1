// Recording what produced a result, against a real git repository in a temporary directory.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  DirtyTreeError,
  isRepositoryResults,
  reproduceCommand,
  startProvenance,
  treeState,
} from '../src/provenance.js';

const repo = mkdtempSync(path.join(os.tmpdir(), 'provenance-'));
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
let head: string;

before(() => {
  git('init', '-q');
  git('config', 'user.email', 'test@example.invalid');
  git('config', 'user.name', 'test');
  writeFileSync(path.join(repo, 'code.ts'), 'export const a = 1;\n');
  mkdirSync(path.join(repo, 'results'));
  git('add', 'code.ts');
  git('commit', '-q', '-m', 'first');
  head = git('rev-parse', 'HEAD');
});
after(() => rmSync(repo, { recursive: true, force: true }));

test('a clean tree records its commit and may write to results/', () => {
  assert.deepEqual(startProvenance(repo, path.join(repo, 'results'), false), {
    commit: head,
    commitDirty: false,
  });
});

test('a dirty tree is refused for results/, allowed elsewhere, and its diff hash recorded', () => {
  writeFileSync(path.join(repo, 'code.ts'), 'export const a = 2;\n');
  try {
    assert.throws(
      () => startProvenance(repo, path.join(repo, 'results', 'compare'), false),
      (error) => {
        assert.ok(error instanceof DirtyTreeError);
        assert.match(error.message, /uncommitted changes \(code\.ts\)/);
        return true;
      },
    );
    const elsewhere = startProvenance(repo, path.join(os.tmpdir(), 'somewhere'), false);
    assert.equal(elsewhere.commit, head);
    assert.equal(elsewhere.commitDirty, true);
    assert.match(elsewhere.diffSha256!, /^[0-9a-f]{64}$/);
    const allowed = startProvenance(repo, path.join(repo, 'results'), true);
    assert.equal(allowed.diffSha256, elsewhere.diffSha256, 'the same diff, the same hash');

    writeFileSync(path.join(repo, 'code.ts'), 'export const a = 3;\n');
    assert.notEqual(treeState(repo).diffSha256, allowed.diffSha256, 'another diff, another hash');
  } finally {
    git('checkout', '--', 'code.ts');
  }
  assert.equal(treeState(repo).commitDirty, false);
});

test('untracked files do not make the tree dirty; outside git the commit is unknown', () => {
  writeFileSync(path.join(repo, 'notes.txt'), 'scratch');
  assert.equal(treeState(repo).commitDirty, false);
  const bare = mkdtempSync(path.join(os.tmpdir(), 'not-git-'));
  try {
    assert.equal(treeState(bare).commit, 'unknown');
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

test('results/ and its subdirectories are the repository results; siblings are not', () => {
  assert.ok(isRepositoryResults('/r', 'results'));
  assert.ok(isRepositoryResults('/r', '/r/results/compare'));
  assert.ok(!isRepositoryResults('/r', '/r/results-scratch'));
  assert.ok(!isRepositoryResults('/r', '/tmp/results'));
});

test('a reproducing command lists the variables before the target, quoted when needed', () => {
  assert.equal(
    reproduceCommand('make experiment', {
      CLIENTS: 256,
      SCENARIO: 'pph60',
      PURCHASES_PER_HOUR: 60,
      SKIP: undefined,
    }),
    'CLIENTS=256 SCENARIO=pph60 PURCHASES_PER_HOUR=60 make experiment',
  );
  assert.equal(reproduceCommand('make demo', { NOTE: "it's" }), `NOTE='it'\\''s' make demo`);
});

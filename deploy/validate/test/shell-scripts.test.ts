// shellcheck on every shell script of the repository: *.sh files and extension-less files whose first
// line is a sh/bash shebang (.ci/run), tracked or not yet committed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT } from '../src/paths.js';

function shellScripts(): string[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  return files.filter((file) => {
    if (file.endsWith('.sh')) return true;
    if (path.basename(file).includes('.')) return false;
    try {
      return /^#!\s*\/(usr\/)?bin\/(env\s+)?(ba)?sh\b/.test(
        readFileSync(path.join(REPO_ROOT, file), 'utf8').slice(0, 64),
      );
    } catch {
      return false; // deleted in the work tree
    }
  });
}

it('finds the shell scripts (deploy, k8s, CI)', () => {
  const scripts = shellScripts();
  for (const expected of [
    '.ci/run',
    'deploy/kafka/create-topics.sh',
    'k8s/base/kafka/kafka-start.sh',
    'deploy/validate/scripts/install-kustomize.sh',
  ])
    assert.ok(scripts.includes(expected), `${expected} not found`);
});

it('every shell script passes shellcheck', (t) => {
  if (spawnSync('shellcheck', ['--version']).error)
    return t.skip('shellcheck is not installed (apt-get install shellcheck)');
  const result = spawnSync('shellcheck', ['--format=gcc', ...shellScripts()], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  assert.equal(result.stdout + result.stderr, '');
  assert.equal(result.status, 0);
});

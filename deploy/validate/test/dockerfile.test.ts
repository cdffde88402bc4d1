import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadStackSettings, servicePlans } from '@tillstream/stack';
import {
  dockerfileErrors,
  dockerIgnoreMatcher,
  parseDockerfile,
  runtimeWorkspaces,
  shippedWorkspaceErrors,
} from '../src/dockerfile.js';
import { REPO_ROOT } from '../src/paths.js';

const SERVICES = ['purchase', 'store', 'consumer'] as const;
const plans = servicePlans(loadStackSettings({}), 'placeholder-api-key-0123');

/** The native stack's start command for a service, relative to the repository root (the image's WORKDIR). */
function nativeCommand(service: string): string[] {
  const plan = plans.find((p) => p.name === service)!;
  assert.equal(plan.spec.cwd, REPO_ROOT, 'the native stack starts services from the repository root');
  return ['node', ...plan.spec.args.map((a) => path.relative(REPO_ROOT, a))];
}

describe('service Dockerfiles', () => {
  for (const service of SERVICES) {
    const file = path.join(REPO_ROOT, 'services', service, 'Dockerfile');
    it(`${service}: copies existing, non-ignored paths, runs as non-root, health-checks, CMD = native command`, () => {
      assert.deepEqual(nativeCommand(service), ['node', `services/${service}/dist/main.js`]);
      assert.deepEqual(dockerfileErrors(file, nativeCommand(service)), []);
    });
    it(`${service}: ships every workspace it depends on at run time`, () => {
      assert.ok(runtimeWorkspaces(`services/${service}`).includes('packages/config'));
      assert.deepEqual(shippedWorkspaceErrors(file, `services/${service}`), []);
    });
    it(`${service}: the CMD target exists on the host after \`npx tsc -b services/${service}\``, (t) => {
      if (!existsSync(path.join(REPO_ROOT, 'services', service, 'src', 'main.ts')))
        return t.skip(`services/${service}/src/main.ts does not exist yet`);
      execFileSync('npx', ['tsc', '-b', `services/${service}`], { cwd: REPO_ROOT, stdio: 'pipe' });
      const cmd = parseDockerfile(readFileSync(file, 'utf8')).finalStage.cmd!;
      assert.ok(existsSync(path.join(REPO_ROOT, cmd[1]!)), `${cmd[1]} was not built`);
    });
  }

  it('the consumer image also ships the migrations the migrate Job runs', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'services', 'consumer', 'Dockerfile'), 'utf8');
    assert.match(
      text,
      /COPY --from=build \/app\/packages\/schema\/migrations\/ packages\/schema\/migrations\//,
    );
    assert.match(text, /COPY --from=build \/app\/packages\/schema\/dist\/ packages\/schema\/dist\//);
  });

  it('deploy/k6/Dockerfile copies existing paths and runs as non-root', () => {
    assert.deepEqual(dockerfileErrors(path.join(REPO_ROOT, 'deploy', 'k6', 'Dockerfile')), []);
  });
});

describe('the Dockerfile checks catch', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dockerfile-'));
  const errorsOf = (text: string) => {
    const file = path.join(dir, 'Dockerfile');
    writeFileSync(file, text);
    return dockerfileErrors(file, ['node', 'services/purchase/dist/main.js']).join('\n');
  };
  const good = readFileSync(path.join(REPO_ROOT, 'services', 'purchase', 'Dockerfile'), 'utf8');

  it('the unmodified file as fine (the baseline of the cases below)', () => {
    assert.equal(errorsOf(good), '');
  });
  it('a root or named user', () => {
    assert.match(errorsOf(good.replace('USER 1000:1000', 'USER 0')), /USER 0 is root/);
    assert.match(errorsOf(good.replace('USER 1000:1000', 'USER node')), /numeric uid/);
    assert.match(errorsOf(good.replace('USER 1000:1000\n', '')), /no USER/);
  });
  it('a CMD that is not the native start command, or whose target is never copied', () => {
    assert.match(
      errorsOf(good.replace('services/purchase/dist/main.js"]', 'dist/main.js"]')),
      /not the native start command/,
    );
    assert.match(
      errorsOf(good.replace('COPY --from=build /app/services/purchase/dist/ services/purchase/dist/\n', '')),
      /CMD target \/app\/services\/purchase\/dist\/main.js is not copied/,
    );
  });
  it('a COPY of a path that is missing or excluded by .dockerignore', () => {
    assert.match(
      errorsOf(good.replace('COPY packages/ packages/', 'COPY packagez/ packages/')),
      /packagez\/ does not exist/,
    );
    assert.match(
      errorsOf(good.replace('COPY packages/ packages/', 'COPY docs/ docs/')),
      /docs\/ is excluded by .dockerignore/,
    );
  });
  it('a syntax directive, which makes BuildKit pull a frontend image from a registry', () => {
    assert.match(errorsOf(`# syntax=docker/dockerfile:1\n${good}`), /no syntax directive/);
    assert.equal(errorsOf(`# a comment that mentions syntax=x later\n${good}`), '');
  });
  it('an unpinned base image and a missing HEALTHCHECK', () => {
    assert.match(errorsOf(good.replace(/ARG NODE_IMAGE=.*/, 'ARG NODE_IMAGE=node:latest')), /not pinned/);
    assert.match(errorsOf(good.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '')), /no HEALTHCHECK/);
  });
});

describe('.dockerignore matching', () => {
  const ignored = dockerIgnoreMatcher(readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8'));
  it('keeps sources, manifests, the lockfile and migrations in the context', () => {
    for (const kept of [
      'package-lock.json',
      'services/purchase/src/main.ts',
      'packages/schema/migrations',
      'loadtest/k6/purchases.js',
    ])
      assert.equal(ignored(kept), false, kept);
  });
  it('leaves out build output, dependencies, tests, local state and secrets', () => {
    for (const left of [
      'node_modules',
      'services/purchase/node_modules/x',
      'packages/contract/dist/index.js',
      'services/store/test/a.test.ts',
      '.stack/state.json',
      '.env',
      '.git/HEAD',
    ])
      assert.equal(ignored(left), true, left);
  });
});

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PrerequisiteError, listedTools, requireTool, type ListedTool } from '../src/prerequisites.js';
import { REPO_ROOT } from '../src/settings.js';

const tools: ListedTool[] = [
  { id: 'present', what: 'A', why: 'a test', debian: 'a-pkg', check: { file: process.execPath } },
  {
    id: 'absent',
    what: 'RabbitMQ',
    why: 'a test',
    debian: 'rabbitmq-server',
    check: { file: '/nonexistent/x' },
  },
  {
    id: 'nocmd',
    what: 'B',
    why: 'a test',
    debian: 'b-pkg',
    check: { command: 'tillstream-no-such-command' },
  },
];

describe('requireTool', () => {
  it('passes when the listed file or command exists', () => {
    requireTool('present', tools);
  });

  it('fails at once naming the Debian package when the tool is missing', () => {
    assert.throws(
      () => requireTool('absent', tools),
      (e: unknown) => {
        assert.ok(e instanceof PrerequisiteError);
        assert.match(e.message, /RabbitMQ is not installed .*apt-get install rabbitmq-server/);
        return true;
      },
    );
    assert.throws(() => requireTool('nocmd', tools), /apt-get install b-pkg/);
  });

  it('checks the binary a harness was given instead of the listed one', () => {
    assert.throws(() => requireTool('present', tools, '/nonexistent/other'), /apt-get install a-pkg/);
  });

  it('is called only with ids that scripts/prerequisites.json lists', () => {
    const ids = new Set(listedTools().map((t) => t.id));
    const src = path.join(REPO_ROOT, 'stack', 'src');
    const used = readdirSync(src)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...readFileSync(path.join(src, f), 'utf8').matchAll(/requireTool\('([^']+)'/g)].map((m) => m[1]!),
      );
    assert.ok(used.length >= 3, `found ${used.join(', ')}`);
    for (const id of used)
      assert.ok(ids.has(id), `requireTool('${id}') is not in scripts/prerequisites.json`);
  });
});
